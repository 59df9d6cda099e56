{{/*
Worker versions: the current build (Deployment "<fullname>-worker") and the older builds still
draining their pinned runs (Deployments "<fullname>-worker-<build id>"). Each entry:
buildId, image, replicas, current, component (for names and selector labels).
*/}}
{{- define "flywheel.workerVersions" -}}
{{- $w := .Values.worker }}
{{- $v := $w.versioning }}
{{- $versions := list }}
{{- $currentBuild := default (default .Chart.AppVersion .Values.image.tag) $v.buildId }}
{{- $versions = append $versions (dict "buildId" $currentBuild "image" (include "flywheel.image" .) "replicas" $w.replicas "current" true "component" "worker") }}
{{- if $v.enabled }}
{{- range $v.draining }}
{{- if eq (toString .buildId) $currentBuild }}
{{- fail (printf "worker.versioning.draining lists build %s, which is the current build" .buildId) }}
{{- end }}
{{- $tag := default .buildId (dig "image" "tag" "" .) }}
{{- $repo := default $.Values.image.repository (dig "image" "repository" "" .) }}
{{- $component := printf "worker-%s" (include "flywheel.labelValue" .buildId) | trunc 40 | trimSuffix "-" }}
{{- $versions = append $versions (dict "buildId" (toString .buildId) "image" (printf "%s:%s" $repo $tag) "replicas" (default 1 .replicas) "current" false "component" $component) }}
{{- end }}
{{- end }}
{{- toJson $versions }}
{{- end }}

{{/* A build id made a label value: lowercase letters, digits, "-" and ".". */}}
{{- define "flywheel.labelValue" -}}
{{- regexReplaceAll "[^a-z0-9.-]" (lower (toString .)) "-" | trunc 63 | trimAll "-." }}
{{- end }}

{{- define "flywheel.workerDeploymentName" -}}
{{- default (include "flywheel.fullname" .) .Values.worker.versioning.deploymentName }}
{{- end }}

{{/* Labels every worker pod carries, whatever its version: what the metrics Service selects. */}}
{{- define "flywheel.workerPodSelector" -}}
app.kubernetes.io/name: {{ include "flywheel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
flywheel.io/worker: "true"
{{- end }}
