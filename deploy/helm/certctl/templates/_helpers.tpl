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
