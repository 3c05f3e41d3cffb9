{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Values validation shared by the charts: each returns a message (empty when the values are
fine) for the chart's own <chart>.validateValues to collect, in the same format.
*/}}

{{/*
An autoscaler whose minReplicas is above its maxReplicas.
Usage: include "common.validateValues.autoscaling" .
*/}}
{{- define "common.validateValues.autoscaling" -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{ .Chart.Name }}: autoscaling.minReplicas
    autoscaling.minReplicas ({{ .Values.autoscaling.minReplicas }}) is greater than
    autoscaling.maxReplicas ({{ .Values.autoscaling.maxReplicas }}).
{{- end }}
{{- end -}}
