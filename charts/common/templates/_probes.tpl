{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The HTTP probes of the chart's container, on its port "http": each named values block
({enabled, path, …the probe's own fields}) that is enabled, in the order given. Keys that
configure the application rather than the probe are left out with "omit" (the server's
readinessProbe.include).
Usage: with include "common.probes.http" (dict "probes" (list "livenessProbe" "readinessProbe") ["omit" $keys] "context" $)
*/}}
{{- define "common.probes.http" -}}
{{- $context := .context }}
{{- $omit := .omit | default list }}
{{- $probes := list }}
{{- range $name := .probes }}
{{- $probe := index $context.Values $name }}
{{- if $probe.enabled }}
{{- $fields := omit $probe "enabled" "path" }}
{{- range $omit }}{{ $fields = omit $fields . }}{{ end }}
{{- $probes = append $probes (printf "%s:\n  httpGet:\n    path: %s\n    port: http\n%s" $name $probe.path (toYaml $fields | indent 2)) }}
{{- end }}
{{- end }}
{{- join "\n" $probes }}
{{- end }}
