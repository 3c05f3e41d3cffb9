{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Checkov skips of the UI pod: those of its images (the exporter's too, with metrics).
*/}}
{{- define "conductor-ui.checkovSkips" -}}
{{- $images := list (dict "path" "image" "image" .Values.image) }}
{{- if .Values.metrics.enabled }}
{{- $images = append $images (dict "path" "metrics.exporter.image" "image" .Values.metrics.exporter.image) }}
{{- end }}
{{- include "common.checkov.skips" (dict "images" $images) }}
{{- end }}

{{/*
The UI's values checks (common.validateValues.collect fails with every message at once).
nginx proxies /api/... to conductorBaseUrl as it is, so the URL cannot carry a path.
*/}}
{{- define "conductor-ui.validateValues" -}}
{{- include "common.validateValues.collect" (dict "checks" (list
  (dict "check" "common.validateValues.conductorBaseUrl"
        "pathRefused" "nginx passes /api/... to it as it is")
  "common.validateValues.autoscaling") "context" .) -}}
{{- end -}}
