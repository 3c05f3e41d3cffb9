{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Annotations of every object: commonAnnotations merged with the given extra ones (an extra
annotation wins over a common one of the same key).
Usage: include "common.annotations.standard" (dict "extra" $map "context" $)
*/}}
{{- define "common.annotations.standard" -}}
{{- $all := merge (deepCopy (default (dict) .extra)) (default (dict) .context.Values.commonAnnotations) }}
{{- with $all }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
A checksum of another template of the calling chart, for a pod annotation that rolls the
pods when that template's output (a ConfigMap, a Secret) changes.
Usage: include "common.annotations.checksum" (dict "template" "/secret.yaml" "context" $)
*/}}
{{- define "common.annotations.checksum" -}}
{{- include (print .context.Template.BasePath .template) .context | sha256sum }}
{{- end }}
