{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
A Deployment up to its pod template: name, namespace, standard labels, the chart's
policy-checker skips and the common annotations; replicas (unless an HPA sets them),
revision history, update strategy and the selector.
Usage: include "common.deployment.header" (dict "checkovSkips" (include "<chart>.checkovSkips" .) "context" .)
*/}}
{{- define "common.deployment.header" -}}
{{- $context := .context -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "common.names.fullname" $context }}
  namespace: {{ include "common.names.namespace" $context }}
  labels:
    {{- include "common.labels.standard" $context | nindent 4 }}
  annotations:
    {{- .checkovSkips | nindent 4 }}
    {{- with include "common.annotations.standard" (dict "context" $context) }}
    {{- . | nindent 4 }}
    {{- end }}
spec:
  {{- if not $context.Values.autoscaling.enabled }}
  replicas: {{ $context.Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ $context.Values.revisionHistoryLimit }}
  strategy:
    {{- toYaml $context.Values.updateStrategy | nindent 4 }}
  selector:
    matchLabels:
      {{- include "common.labels.matchLabels" $context | nindent 6 }}
{{- end }}

{{/*
A serving container's pause before it is stopped (.Values.preStopSleepSeconds; none when
0): the endpoints and load balancers that still route to a terminating pod learn of it
only after a moment, and requests sent meanwhile would find the server gone.
Usage: with include "common.containers.preStop" . (then nindent)
*/}}
{{- define "common.containers.preStop" -}}
{{- if .Values.preStopSleepSeconds -}}
lifecycle:
  preStop:
    sleep:
      seconds: {{ .Values.preStopSleepSeconds }}
{{- end }}
{{- end }}
