{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The Ingress to the chart's Service (same name, port .Values.service.ports.http), from
.Values.ingress ({enabled, hostname, path, pathType, ingressClassName, annotations,
extraHosts, tls, tlsSecretName, extraTls}); nothing unless ingress.enabled. A chart's
ingress.yaml is this one include.
Usage: include "common.ingress" .
*/}}
{{- define "common.ingress" -}}
{{- if .Values.ingress.enabled }}
{{- $fullname := include "common.names.fullname" . }}
{{- $port := .Values.service.ports.http }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $fullname }}
  namespace: {{ include "common.names.namespace" . }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
  {{- with include "common.annotations.standard" (dict "extra" .Values.ingress.annotations "context" .) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  {{- with .Values.ingress.ingressClassName }}
  ingressClassName: {{ . }}
  {{- end }}
  rules:
    {{- $hosts := prepend .Values.ingress.extraHosts (dict "name" .Values.ingress.hostname "path" .Values.ingress.path "pathType" .Values.ingress.pathType) }}
    {{- range $hosts }}
    - host: {{ .name | quote }}
      http:
        paths:
          - path: {{ default "/" .path }}
            pathType: {{ default "Prefix" .pathType }}
            backend:
              service:
                name: {{ $fullname }}
                port:
                  number: {{ $port }}
    {{- end }}
  {{- if or .Values.ingress.tls .Values.ingress.extraTls }}
  tls:
    {{- if .Values.ingress.tls }}
    - hosts:
        - {{ .Values.ingress.hostname | quote }}
      secretName: {{ default (printf "%s-tls" .Values.ingress.hostname) .Values.ingress.tlsSecretName }}
    {{- end }}
    {{- with .Values.ingress.extraTls }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}
