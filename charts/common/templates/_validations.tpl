{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Values validation, as in Bitnami's charts: a check is a template that returns a message
(empty when the values are fine) in one format, "<chart>: <parameter>" on the first line,
then what is wrong and how to fix it, indented by four spaces. Each chart lists its checks
in its own <chart>.validateValues, which calls common.validateValues.collect with them.
*/}}

{{/*
Runs every check and fails the render with all of their messages at once (so a user fixes
every value in one go), or renders nothing when every check passes.
A check is the name of a template called with the chart's context, or a dict naming one
("check") with its parameters, called with those parameters and "context".
Usage: include "common.validateValues.collect" (dict "checks" (list "<chart>.validateValues.x"
         (dict "check" "common.validateValues.conductorBaseUrl" "pathRefused" $why)) "context" $)
*/}}
{{- define "common.validateValues.collect" -}}
{{- $messages := list -}}
{{- range .checks -}}
{{- if kindIs "string" . -}}
{{- $messages = append $messages (include . $.context | trim) -}}
{{- else -}}
{{- $messages = append $messages (include .check (merge (dict "context" $.context) (omit . "check")) | trim) -}}
{{- end -}}
{{- end -}}
{{- $messages = without $messages "" -}}
{{- if $messages -}}
{{- printf "\nVALUES VALIDATION:\n%s" (join "\n" $messages) | fail -}}
{{- end -}}
{{- end -}}

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
