{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
A full image reference from an image block: registry/repository:tag[@digest].
global.imageRegistry, when set, replaces the block's registry; the tag defaults to
"default" (the chart's appVersion for the chart's own image, nothing for others).
Usage: include "common.images.image" (dict "image" .Values.image "default" .Chart.AppVersion "context" $)
*/}}
{{- define "common.images.image" -}}
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
The chart's own image (.Values.image, tag defaulting to the chart's appVersion).
Usage: include "common.images.main" .
*/}}
{{- define "common.images.main" -}}
{{- include "common.images.image" (dict "image" .Values.image "default" .Chart.AppVersion "context" .) }}
{{- end }}

{{/*
imagePullSecrets of the pods: the global ones and the chart's, each once.
Usage: include "common.images.pullSecrets" .
*/}}
{{- define "common.images.pullSecrets" -}}
{{- $secrets := concat (.Values.global.imagePullSecrets | default list) (.Values.image.pullSecrets | default list) | uniq }}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end }}
