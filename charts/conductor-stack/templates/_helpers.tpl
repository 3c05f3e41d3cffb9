{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Root URL of the server this release installs: the conductor-server chart's Service, by its
fully qualified name (the UI's nginx resolver does not apply the DNS search list).
Called from the subcharts' conductorBaseUrl templates, so it reads only what every chart
of the release shares: the release and the global values. It follows the server chart's
default naming (release name, then "-conductor-server" unless the release name contains
it) and port; set conductorBaseUrl yourself if you override the server's names or port.
*/}}
{{- define "conductor-stack.serverUrl" -}}
{{- $name := "conductor-server" -}}
{{- if not (contains $name .Release.Name) -}}
{{- $name = printf "%s-%s" .Release.Name $name -}}
{{- else -}}
{{- $name = .Release.Name -}}
{{- end -}}
{{- $name = $name | trunc 63 | trimSuffix "-" -}}
{{- $domain := "cluster.local" -}}
{{- with .Values.global }}{{ with .clusterDomain }}{{ $domain = . }}{{ end }}{{ end -}}
{{- printf "http://%s.%s.svc.%s:8080" $name .Release.Namespace $domain -}}
{{- end }}
