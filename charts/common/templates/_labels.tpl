{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The calling chart's component (app.kubernetes.io/component): the `component` annotation
of its Chart.yaml, so that the chart states it once.
Usage: include "common.labels.component" .
*/}}
{{- define "common.labels.component" -}}
{{- $component := index (.Chart.Annotations | default dict) "component" }}
{{- required (printf "%s: Chart.yaml needs annotations.component (the app.kubernetes.io/component label)" .Chart.Name) $component }}
{{- end }}

{{/*
Labels of every object: the standard ones, then commonLabels.
Usage: include "common.labels.standard" .
*/}}
{{- define "common.labels.standard" -}}
helm.sh/chart: {{ include "common.names.chart" . }}
{{ include "common.labels.matchLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: conductor
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels that select the chart's pods (stable across upgrades).
Usage: include "common.labels.matchLabels" .
*/}}
{{- define "common.labels.matchLabels" -}}
app.kubernetes.io/name: {{ include "common.names.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ include "common.labels.component" . }}
{{- end }}

{{/*
Labels that select the chart's own `helm test` pod.
Usage: include "common.labels.testMatchLabels" .
*/}}
{{- define "common.labels.testMatchLabels" -}}
app.kubernetes.io/name: {{ include "common.names.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}

{{/*
Labels of the chart's `helm test` pod: never selected by the chart's Services or budgets.
Usage: include "common.labels.test" .
*/}}
{{- define "common.labels.test" -}}
helm.sh/chart: {{ include "common.names.chart" . }}
{{ include "common.labels.testMatchLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels of the chart's pods: the standard ones, then .Values.podLabels.
Usage: include "common.labels.pod" .
*/}}
{{- define "common.labels.pod" -}}
{{ include "common.labels.standard" . }}
{{- with .Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}
