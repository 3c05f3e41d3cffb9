{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The Conductor server's base URL from .Values.conductorBaseUrl (a template string is
rendered, so the umbrella chart can point it at its own server), without a trailing slash.
Usage: include "common.conductor.baseUrl" .
*/}}
{{- define "common.conductor.baseUrl" -}}
{{- tpl (toString .Values.conductorBaseUrl) . | trimSuffix "/" }}
{{- end }}
