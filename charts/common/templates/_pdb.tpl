{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The PodDisruptionBudget of the chart's pods, from .Values.pdb ({create, minAvailable,
maxUnavailable}): minAvailable when set, else maxUnavailable, which defaults to 1; nothing
unless pdb.create. A chart's pdb.yaml is this one include.
Usage: include "common.pdb" .
*/}}
{{- define "common.pdb" -}}
{{- if .Values.pdb.create }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ include "common.names.namespace" . }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
  {{- with include "common.annotations.standard" (dict "context" .) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  {{- if not (eq (toString .Values.pdb.minAvailable) "") }}
  minAvailable: {{ .Values.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ eq (toString .Values.pdb.maxUnavailable) "" | ternary 1 .Values.pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "common.labels.matchLabels" . | nindent 6 }}
{{- end }}
{{- end }}
