{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The Prometheus Operator ServiceMonitor of the chart's Service (same name), scraping the
given Service port and path, from .Values.metrics.serviceMonitor ({enabled, namespace,
interval, scrapeTimeout, labels[, annotations, honorLabels, relabelings,
metricRelabelings]}: a chart that does not offer the bracketed values renders without
them); nothing unless metrics.serviceMonitor.enabled. A chart's servicemonitor.yaml is
this one include.
Usage: include "common.serviceMonitor" (dict "port" "http" "path" "/metrics" "context" $)
*/}}
{{- define "common.serviceMonitor" -}}
{{- $port := .port }}
{{- $path := .path }}
{{- with .context }}
{{- if .Values.metrics.serviceMonitor.enabled }}
{{- $sm := .Values.metrics.serviceMonitor }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ default (include "common.names.namespace" .) $sm.namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with include "common.annotations.standard" (dict "extra" $sm.annotations "context" .) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  jobLabel: app.kubernetes.io/name
  namespaceSelector:
    matchNames:
      - {{ include "common.names.namespace" . }}
  selector:
    matchLabels:
      {{- include "common.labels.matchLabels" . | nindent 6 }}
  endpoints:
    - port: {{ $port }}
      path: {{ $path }}
      scheme: http
      {{- with $sm.interval }}
      interval: {{ . }}
      {{- end }}
      {{- with $sm.scrapeTimeout }}
      scrapeTimeout: {{ . }}
      {{- end }}
      {{- if hasKey $sm "honorLabels" }}
      honorLabels: {{ $sm.honorLabels }}
      {{- end }}
      {{- with $sm.relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $sm.metricRelabelings }}
      metricRelabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
{{- end }}
{{- end }}
