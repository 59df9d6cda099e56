{{/* Names */}}
{{- define "flywheel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flywheel.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<fullname>-<component>", kept within the 63-character name limit. */}}
{{- define "flywheel.componentName" -}}
{{- printf "%s-%s" (include "flywheel.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component }}
{{- end }}

{{- define "flywheel.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flywheel.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "flywheel.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Labels */}}
{{- define "flywheel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "flywheel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component: call with (dict "root" $ "component" "api"). */}}
{{- define "flywheel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flywheel.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "flywheel.componentLabels" -}}
{{ include "flywheel.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The emulator's in-cluster URL. */}}
{{- define "flywheel.emulatorUrl" -}}
{{- printf "http://%s:%d" (include "flywheel.componentName" (dict "root" . "component" "emulator")) (int .Values.emulator.port) }}
{{- end }}

{{/* An env var from an existing Secret: (dict "name" "X" "ref" .Values.secrets.x). Nothing when unset. */}}
{{- define "flywheel.secretEnv" -}}
{{- if .ref.existingSecret }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.existingSecret }}
      key: {{ .ref.key }}
{{- end }}
{{- end }}

{{/* An env var that is a plain value, or comes from a Secret when existingSecret is set. */}}
{{- define "flywheel.urlEnv" -}}
- name: {{ .name }}
{{- if .source.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .source.existingSecret }}
      key: {{ .source.urlKey }}
{{- else }}
  value: {{ required (printf "%s: set url or existingSecret" .what) .source.url | quote }}
{{- end }}
{{- end }}

{{/* The API keys only the worker uses, each from its Secret. */}}
{{- define "flywheel.workerSecretEnv" -}}
{{- include "flywheel.secretEnv" (dict "name" "NEMO_API_KEY" "ref" .Values.secrets.nemoApiKey) }}
{{- include "flywheel.secretEnv" (dict "name" "NVIDIA_API_KEY" "ref" .Values.secrets.nvidiaApiKey) }}
{{- include "flywheel.secretEnv" (dict "name" "LLM_JUDGE_API_KEY" "ref" .Values.secrets.llmJudgeApiKey) }}
{{- include "flywheel.secretEnv" (dict "name" "EMB_API_KEY" "ref" .Values.secrets.embeddingApiKey) }}
{{- end }}

{{/* Environment shared by the api and the worker: Temporal, stores, config, NeMo endpoints. */}}
{{- define "flywheel.commonEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: FLYWHEEL_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
{{- if .Values.temporal.tls.enabled }}
- name: TEMPORAL_TLS_CERT
  value: /etc/flywheel/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/flywheel/temporal-tls/tls.key
{{- if .Values.temporal.tls.caKey }}
- name: TEMPORAL_TLS_CA
  value: /etc/flywheel/temporal-tls/ca.crt
{{- end }}
{{- with .Values.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- include "flywheel.secretEnv" (dict "name" "TEMPORAL_API_KEY" "ref" .Values.temporal.apiKey) }}
{{ include "flywheel.urlEnv" (dict "name" "ELASTICSEARCH_URL" "source" .Values.elasticsearch "what" "elasticsearch") }}
- name: ES_COLLECTION_NAME
  value: {{ .Values.elasticsearch.logIndex | quote }}
{{ include "flywheel.urlEnv" (dict "name" "MONGODB_URL" "source" .Values.mongodb "what" "mongodb") }}
- name: MONGODB_DB
  value: {{ .Values.mongodb.database | quote }}
- name: FLYWHEEL_CONFIG
  value: /etc/flywheel/config/flywheel.yaml
- name: FLYWHEEL_CONFIG_DIR
  value: /etc/flywheel/config/named
{{- $emulator := ternary (include "flywheel.emulatorUrl" .) "" .Values.emulator.enabled }}
{{- range $name, $value := dict "NEMO_BASE_URL" .Values.nemo.baseUrl "NIM_BASE_URL" .Values.nemo.nimBaseUrl "DATASTORE_BASE_URL" .Values.nemo.datastoreBaseUrl }}
{{- with (default $emulator $value) }}
- name: {{ $name }}
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- with .Values.nemo.namespace }}
- name: NMP_NAMESPACE
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/* Volumes shared by the api and the worker. */}}
{{- define "flywheel.volumes" -}}
- name: config
  configMap:
    name: {{ include "flywheel.componentName" (dict "root" . "component" "config") }}
    items:
      - key: flywheel.yaml
        path: flywheel.yaml
      {{- range $name, $_ := .Values.config.named }}
      - key: {{ printf "named.%s.yaml" $name }}
        path: {{ printf "named/%s.yaml" $name }}
      {{- end }}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "temporal.tls.existingSecret is required when temporal.tls.enabled" .Values.temporal.tls.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .Values.temporal.tls.certKey }}
        path: tls.crt
      - key: {{ .Values.temporal.tls.keyKey }}
        path: tls.key
      {{- with .Values.temporal.tls.caKey }}
      - key: {{ . }}
        path: ca.crt
      {{- end }}
{{- end }}
{{- end }}

{{- define "flywheel.volumeMounts" -}}
- name: config
  mountPath: /etc/flywheel/config
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/flywheel/temporal-tls
  readOnly: true
{{- end }}
{{- end }}

{{/* Pod-level settings shared by every Deployment. */}}
{{- define "flywheel.podSpecCommon" -}}
serviceAccountName: {{ include "flywheel.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{- define "flywheel.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}
