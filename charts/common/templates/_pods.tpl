{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The pod-level fields every chart's pods share, ahead of their containers: the
ServiceAccount (common.serviceAccount.name unless given), whose token is never mounted; no
service links; a restart policy when given (a Job's pods); imagePullSecrets; the pod
securityContext (.Values.podSecurityContext); and the scheduling values
(priorityClassName, common.affinities.pods, nodeSelector, tolerations,
topologySpreadConstraints rendered as a template).
Usage: include "common.pods.spec" .
       include "common.pods.spec" (dict ["serviceAccountName" $name] ["restartPolicy" "Never"] "context" $)
*/}}
{{- define "common.pods.spec" -}}
{{- $context := . }}
{{- $serviceAccountName := "" }}
{{- $restartPolicy := "" }}
{{- if hasKey . "context" }}
{{- $context = .context }}
{{- $serviceAccountName = .serviceAccountName }}
{{- $restartPolicy = .restartPolicy }}
{{- end -}}
serviceAccountName: {{ $serviceAccountName | default (include "common.serviceAccount.name" $context) }}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with $restartPolicy }}
restartPolicy: {{ . }}
{{- end }}
{{- include "common.images.pullSecrets" $context }}
{{- with include "common.securityContext.render" $context.Values.podSecurityContext }}
securityContext:
  {{- . | nindent 2 }}
{{- end }}
{{- with $context.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with include "common.affinities.pods" $context }}
affinity:
  {{- . | nindent 2 }}
{{- end }}
{{- with $context.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $context.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $context.Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- tpl (toYaml .) $context | nindent 2 }}
{{- end }}
{{- end }}
