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
