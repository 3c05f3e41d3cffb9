{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Chart name, truncated to the 63 characters a label value allows.
*/}}
{{- define "conductor-ui.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified name: the release name, followed by the chart name unless the release
name already contains it.
*/}}
{{- define "conductor-ui.fullname" -}}
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

{{/*
Namespace of every object.
*/}}
{{- define "conductor-ui.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "conductor-ui.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "conductor-ui.labels" -}}
helm.sh/chart: {{ include "conductor-ui.chart" . }}
{{ include "conductor-ui.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: conductor
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels that select the UI pods (stable across upgrades).
*/}}
{{- define "conductor-ui.selectorLabels" -}}
app.kubernetes.io/name: {{ include "conductor-ui.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: ui
{{- end }}

{{/*
Annotations of every object: commonAnnotations merged with the given extra ones.
Usage: include "conductor-ui.annotations" (dict "extra" $map "context" $)
*/}}
{{- define "conductor-ui.annotations" -}}
{{- $all := merge (deepCopy (default (dict) .extra)) (default (dict) .context.Values.commonAnnotations) }}
{{- with $all }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
Name of the ServiceAccount the pods run as.
*/}}
{{- define "conductor-ui.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "conductor-ui.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
A full image reference from an image block: registry/repository:tag[@digest].
Usage: include "conductor-ui.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion "context" $)
*/}}
{{- define "conductor-ui.imageRef" -}}
{{- $registry := .image.registry }}
{{- with .context.Values.global }}{{ with .imageRegistry }}{{ $registry = . }}{{ end }}{{ end }}
{{- $tag := .image.tag | default .default | toString }}
{{- $ref := .image.repository }}
{{- if $registry }}{{ $ref = printf "%s/%s" $registry $ref }}{{ end }}
{{- if $tag }}{{ $ref = printf "%s:%s" $ref $tag }}{{ end }}
{{- if .image.digest }}{{ $ref = printf "%s@%s" $ref .image.digest }}{{ end }}
{{- $ref }}
{{- end }}

{{/*
The UI image.
*/}}
{{- define "conductor-ui.image" -}}
{{- include "conductor-ui.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion "context" .) }}
{{- end }}

{{/*
imagePullSecrets of the pods: the chart's and the global ones.
*/}}
{{- define "conductor-ui.imagePullSecrets" -}}
{{- $secrets := concat (.Values.global.imagePullSecrets | default list) (.Values.image.pullSecrets | default list) | uniq }}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Pod anti-affinity from the preset.
*/}}
{{- define "conductor-ui.affinity" -}}
{{- if .Values.affinity }}
{{- toYaml .Values.affinity }}
{{- else if eq .Values.podAntiAffinityPreset "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "conductor-ui.selectorLabels" . | nindent 12 }}
{{- else if eq .Values.podAntiAffinityPreset "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "conductor-ui.selectorLabels" . | nindent 10 }}
{{- end }}
{{- end }}

{{/*
The Conductor server's base URL (a template string is rendered), without a trailing slash.
*/}}
{{- define "conductor-ui.conductorBaseUrl" -}}
{{- tpl (toString .Values.conductorBaseUrl) . | trimSuffix "/" }}
{{- end }}

{{/*
Checkov skips for the UI pod, each with its reason.
*/}}
{{- define "conductor-ui.checkovSkips" -}}
{{- $exporter := .Values.metrics.exporter.image }}
{{- if or (not .Values.image.digest) (and .Values.metrics.enabled (not $exporter.digest)) }}
checkov.io/skip1: "CKV_K8S_43=Immutable version tag by default; set image.digest to pin by digest"
{{- end }}
{{- if or (ne .Values.image.pullPolicy "Always") (and .Values.metrics.enabled (ne $exporter.pullPolicy "Always")) }}
checkov.io/skip2: "CKV_K8S_15=Versioned (or digest-pinned) images do not change, so IfNotPresent is safe and avoids a registry round trip per start"
{{- end }}
{{- end }}

{{/*
Compile every values validation message; fail with all of them at once.
*/}}
{{- define "conductor-ui.validateValues" -}}
{{- $messages := list -}}
{{- $messages = append $messages (include "conductor-ui.validateValues.baseUrl" . | trim) -}}
{{- $messages = append $messages (include "conductor-ui.validateValues.autoscaling" . | trim) -}}
{{- $messages = without $messages "" -}}
{{- $message := join "\n" $messages -}}
{{- if $message -}}
{{- printf "\nVALUES VALIDATION:\n%s" $message | fail -}}
{{- end -}}
{{- end -}}

{{- define "conductor-ui.validateValues.baseUrl" -}}
{{- $url := include "conductor-ui.conductorBaseUrl" . -}}
{{- if not $url }}
conductor-ui: conductorBaseUrl
    The Conductor server's URL is required. Set conductorBaseUrl, e.g.
    http://conductor-server.conductor.svc.cluster.local:8080 (the umbrella chart
    conductor-stack sets it to its own server).
{{- else if not (regexMatch "^https?://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?$" $url) }}
conductor-ui: conductorBaseUrl
    conductorBaseUrl '{{ $url }}' is not an http(s)://host[:port] URL without a path.
    nginx passes /api/... to it as it is, so give the server's root URL.
{{- end }}
{{- end -}}

{{- define "conductor-ui.validateValues.autoscaling" -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
conductor-ui: autoscaling.minReplicas
    autoscaling.minReplicas ({{ .Values.autoscaling.minReplicas }}) is greater than
    autoscaling.maxReplicas ({{ .Values.autoscaling.maxReplicas }}).
{{- end }}
{{- end -}}
