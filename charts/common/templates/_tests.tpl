{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The chart's `helm test` pod that checks its Service answers: one wget of the Service's
port "http" at the given health path, from .Values.tests ({enabled, image}); nothing unless
tests.enabled. A chart's tests/test-connection.yaml is this one include.
Usage: include "common.tests.connection" (dict "path" "/health" "context" $)
*/}}
{{- define "common.tests.connection" -}}
{{- $path := .path }}
{{- with .context }}
{{- if .Values.tests.enabled }}
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "common.names.fullname" . }}-test-connection
  namespace: {{ include "common.names.namespace" . }}
  labels:
    {{- include "common.labels.test" . | nindent 4 }}
  annotations:
    helm.sh/hook: test
    # Deleted whatever the outcome (`helm test --logs` prints a failure's output first):
    # a test pod is no part of the release, so `helm uninstall` would leave it behind.
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded,hook-failed
    {{- include "common.checkov.skips" (dict
      "skips" (list
        (dict "check" "CKV_K8S_8" "reason" "One-shot helm test pod: it runs wget once and exits, a liveness probe has nothing to watch")
        (dict "check" "CKV_K8S_9" "reason" "One-shot helm test pod: no Service routes to it, so a readiness probe has no use")
        (dict "check" "CKV2_K8S_6" "reason" "One-shot helm test pod that listens on no port; it only makes one outgoing request"))
      "images" (list (dict "path" "tests.image" "image" .Values.tests.image))) | nindent 4 }}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  {{- include "common.images.pullSecrets" . | nindent 2 }}
  securityContext:
    {{- include "common.securityContext.testPod" . | nindent 4 }}
  containers:
    - name: wget
      image: {{ include "common.images.image" (dict "image" .Values.tests.image "default" "" "context" .) }}
      imagePullPolicy: {{ .Values.tests.image.pullPolicy }}
      command: ["wget"]
      args:
        - "-q"
        - "-O-"
        - "-T"
        - "10"
        - "http://{{ include "common.names.fullname" . }}:{{ .Values.service.ports.http }}{{ $path }}"
      securityContext:
        {{- include "common.securityContext.testContainer" . | nindent 8 }}
      resources:
        requests:
          cpu: 10m
          memory: 16Mi
        limits:
          cpu: 100m
          memory: 32Mi
{{- end }}
{{- end }}
{{- end }}
