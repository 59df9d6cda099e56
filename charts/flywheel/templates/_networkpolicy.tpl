{{/* One egress rule from a networkPolicy destination ({to, ports}); empty `to` or `ports` are left out (any). */}}
{{- define "flywheel.egressRule" -}}
{{- $rule := dict }}
{{- with .to }}{{ $_ := set $rule "to" . }}{{ end }}
{{- with .ports }}{{ $_ := set $rule "ports" . }}{{ end }}
{{- list $rule | toYaml }}
{{- end }}

{{/* Who may reach the API: its port, from networkPolicy.apiIngressFrom (empty: anyone), plus extra rules. */}}
{{- define "flywheel.apiIngressRules" -}}
- ports:
    - { port: http, protocol: TCP }
  {{- with .Values.networkPolicy.apiIngressFrom }}
  from:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- with .Values.networkPolicy.extraIngress.api }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Egress to the emulator's pods, when it runs in the release. */}}
{{- define "flywheel.emulatorEgress" -}}
{{- if .Values.emulator.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "flywheel.selectorLabels" (dict "root" . "component" "emulator") | nindent 10 }}
  ports:
    - { port: {{ .Values.emulator.port }}, protocol: TCP }
{{- end }}
{{- end }}

{{/* The NetworkPolicy of one component: (dict "root" $ "component" "api" "egress" (list ...) "ingress" <rules>).
A worker version's component is "worker" or "worker-<build>"; both are the worker's role. */}}
{{- define "flywheel.networkPolicy" -}}
{{- $root := .root }}
{{- $role := ternary "worker" .component (hasPrefix "worker" .component) }}
{{- $component := dict "root" $root "component" .component }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "flywheel.componentName" $component }}
  labels:
    {{- include "flywheel.componentLabels" $component | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "flywheel.selectorLabels" $component | nindent 6 }}
  policyTypes: [Ingress, Egress]
  {{- $ingress := .ingress | trim }}
  {{- if $ingress }}
  ingress:
    {{- $ingress | nindent 4 }}
  {{- else }}
  ingress: []
  {{- end }}
  egress:
    {{- range .egress }}
    {{- include "flywheel.egressRule" (get $root.Values.networkPolicy .) | nindent 4 }}
    {{- end }}
    {{- if eq $role "worker" }}
    {{- include "flywheel.emulatorEgress" $root | nindent 4 }}
    {{- end }}
    {{- with (get $root.Values.networkPolicy.extraEgress $role) }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
