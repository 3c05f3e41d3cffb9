{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The Service of the chart's pods (same name), from .Values.service ({type, clusterIP,
sessionAffinity, ports.http, nodePorts.http, annotations}): the port "http" to the
container port of that name, then the chart's extra ports, each
(dict "name" $name "port" $number ["when" $bool]) to the container port of the same name
("when" false leaves it out). A chart's svc.yaml is this one include.
Usage: include "common.service" .
       include "common.service" (dict "extraPorts" $list "context" $)
*/}}
{{- define "common.service" -}}
{{- $context := . }}
{{- $extraPorts := list }}
{{- if hasKey . "context" }}
{{- $context = .context }}
{{- $extraPorts = .extraPorts | default list }}
{{- end }}
{{- with $context }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ include "common.names.namespace" . }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
  {{- with include "common.annotations.standard" (dict "extra" .Values.service.annotations "context" .) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .Values.service.type }}
  {{- with .Values.service.clusterIP }}
  clusterIP: {{ . }}
  {{- end }}
  sessionAffinity: {{ .Values.service.sessionAffinity }}
  ports:
    - name: http
      port: {{ .Values.service.ports.http }}
      targetPort: http
      protocol: TCP
      {{- if and (has .Values.service.type (list "NodePort" "LoadBalancer")) .Values.service.nodePorts.http }}
      nodePort: {{ .Values.service.nodePorts.http }}
      {{- end }}
    {{- range $extraPorts }}
    {{- if or (not (hasKey . "when")) .when }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
    {{- end }}
    {{- end }}
  selector:
    {{- include "common.labels.matchLabels" . | nindent 4 }}
{{- end }}
{{- end }}
