{{/* Release-scoped base name: "<release>-certctl", or the release name when it already says certctl. */}}
{{- define "certctl.fullname" -}}
{{- if contains "certctl" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-certctl" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "certctl.labels" -}}
app.kubernetes.io/part-of: certctl
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "certctl.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "certctl.secretName" -}}
{{- .Values.secret.name | default (printf "%s" (include "certctl.fullname" .)) -}}
{{- end -}}

{{/* One env entry reading a key of the platform Secret. Call with (list $ "VARIABLE"). */}}
{{- define "certctl.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $var := index . 1 -}}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ include "certctl.secretName" $root }}
      key: {{ index $root.Values.secret.keys $var }}
{{- end -}}

{{/* The port /metrics answers on: the gateway's separate metrics listener, else the service's port. Call with (list $ $svc). */}}
{{- define "certctl.metricsPort" -}}
{{- $root := index . 0 -}}
{{- $svc := index . 1 -}}
{{- if eq $svc.name "gateway" }}{{ $root.Values.metrics.gatewayPort }}{{ else }}{{ $svc.port }}{{ end -}}
{{- end -}}

{{/* In-cluster URL of one of the chart's services by name. Call with (list $ "acme"). */}}
{{- define "certctl.serviceUrl" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $port := 0 -}}
{{- range $root.Values.services }}{{ if eq .name $name }}{{ $port = .port }}{{ end }}{{ end -}}
{{- if not $port }}{{ fail (printf "services: the gateway forwards to %q, which is not among the services" $name) }}{{ end -}}
http://{{ include "certctl.fullname" $root }}-{{ $name }}:{{ $port }}
{{- end -}}

{{- define "certctl.serviceAccountName" -}}
{{- $root := index . 0 -}}
{{- $svc := index . 1 -}}
{{- if $root.Values.serviceAccount.create }}{{ include "certctl.fullname" $root }}-{{ $svc.name }}{{ else }}default{{ end -}}
{{- end -}}

{{/* Selector labels of one component. Call with (list $ "name"). */}}
{{- define "certctl.selectorLabels" -}}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/name: {{ index . 1 }}
{{- end -}}

{{/* Secret keys the chart can generate: random strings, made once (lookup keeps them on upgrades). */}}
{{- define "certctl.generatableKeys" -}}
{{- $keys := list (index .Values.secret.keys "CERTCTL_ENCRYPTION_KEY") (index .Values.secret.keys "CERTCTL_BOOTSTRAP_ADMIN_KEY") -}}
{{- if .Values.bus.auth }}{{ range .Values.services }}{{ $keys = append $keys (printf "nats-password-%s" .name) }}{{ end }}{{ end -}}
{{- if .Values.bundled.enabled }}{{ $keys = concat $keys (list "postgres-password" "redis-password") }}{{ end -}}
{{- toJson $keys -}}
{{- end -}}

{{/* The Secret holding the principal keys (Helm cannot make Ed25519 key pairs): the platform Secret unless secret.principalKeysSecret names another. */}}
{{- define "certctl.principalSecretName" -}}
{{- .Values.secret.principalKeysSecret | default (include "certctl.secretName" .) -}}
{{- end -}}
