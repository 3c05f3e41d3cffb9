{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Name of a ServiceAccount from its values block ({create, name}): the given name, else
the default name when the chart creates it, else the namespace's "default".
Usage: include "common.serviceAccount.name" .  (the block .Values.serviceAccount)
       include "common.serviceAccount.name" (dict "serviceAccount" $block "default" $name "context" $)
*/}}
{{- define "common.serviceAccount.name" -}}
{{- $context := . }}
{{- $block := dict }}
{{- $default := "" }}
{{- if hasKey . "context" }}
{{- $context = .context }}
{{- $block = .serviceAccount }}
{{- $default = .default }}
{{- else }}
{{- $block = .Values.serviceAccount }}
{{- $default = include "common.names.fullname" . }}
{{- end }}
{{- if $block.create }}
{{- default $default $block.name }}
{{- else }}
{{- default "default" $block.name }}
{{- end }}
{{- end }}

{{/*
A ServiceAccount from its values block ({create, name, annotations,
automountServiceAccountToken}), named by common.serviceAccount.name; nothing unless the
block says create. The token is mounted only when the block says so. A chart's
serviceaccount.yaml is this one include.
Usage: include "common.serviceAccount" .  (the block .Values.serviceAccount)
       include "common.serviceAccount" (dict "serviceAccount" $block "default" $name "context" $)
*/}}
{{- define "common.serviceAccount" -}}
{{- $context := . }}
{{- $block := dict }}
{{- if hasKey . "context" }}
{{- $context = .context }}
{{- $block = .serviceAccount }}
{{- else }}
{{- $block = .Values.serviceAccount }}
{{- end }}
{{- if $block.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "common.serviceAccount.name" . }}
  namespace: {{ include "common.names.namespace" $context }}
  labels:
    {{- include "common.labels.standard" $context | nindent 4 }}
  {{- with include "common.annotations.standard" (dict "extra" $block.annotations "context" $context) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ $block.automountServiceAccountToken | default false }}
{{- end }}
{{- end }}
