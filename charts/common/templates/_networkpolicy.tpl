{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The NetworkPolicy of the chart's pods, from .Values.networkPolicy ({enabled,
allowedClients, allowedNamespaces[, allowExternal]}): only the port "http" is open, to the
chart's own `helm test` pod, the allowed clients (rendered as templates) and the pods of
the allowed namespaces; with allowExternal (a value only a chart served to the outside
offers, the UI) to anyone. Nothing unless networkPolicy.enabled. A chart's
networkpolicy.yaml is this one include.
Usage: include "common.networkPolicy" .
*/}}
{{- define "common.networkPolicy" -}}
{{- if .Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
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
  podSelector:
    matchLabels:
      {{- include "common.labels.matchLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    - ports:
        - port: http
          protocol: TCP
      {{- if not .Values.networkPolicy.allowExternal }}
      from:
        # The chart's own `helm test` pod.
        - podSelector:
            matchLabels:
              {{- include "common.labels.testMatchLabels" . | nindent 14 }}
        {{- with .Values.networkPolicy.allowedClients }}
        {{- tpl (toYaml .) $ | nindent 8 }}
        {{- end }}
        {{- range .Values.networkPolicy.allowedNamespaces }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . }}
        {{- end }}
      {{- end }}
{{- end }}
{{- end }}
