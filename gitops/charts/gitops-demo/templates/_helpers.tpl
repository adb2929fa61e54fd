{{/* Chart name, overridable. */}}
{{- define "gitops-demo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release name, plus the chart name unless the release already contains it. */}}
{{- define "gitops-demo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "gitops-demo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "gitops-demo.labels" -}}
helm.sh/chart: {{ include "gitops-demo.chart" . }}
{{ include "gitops-demo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.env.appVersion | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the app's pods (immutable once deployed: keep them stable). */}}
{{- define "gitops-demo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gitops-demo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "gitops-demo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gitops-demo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository@digest when a digest is set (immutable), else repository:tag. */}}
{{- define "gitops-demo.imageRef" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository (required "image.tag or image.digest must be set" .tag) }}
{{- end }}
{{- end }}

{{- define "gitops-demo.image" -}}
{{- include "gitops-demo.imageRef" .Values.image }}
{{- end }}

{{/* The helm test image: tests.image when its repository is set, else the app image. */}}
{{- define "gitops-demo.testImage" -}}
{{- if .Values.tests.image.repository }}
{{- include "gitops-demo.imageRef" .Values.tests.image }}
{{- else }}
{{- include "gitops-demo.image" . }}
{{- end }}
{{- end }}

{{/*
The helm test pod's pull policy: tests.image.pullPolicy when set; else image.pullPolicy when the
test runs the app image (e2e sets it to Never: the image exists only in the node), else
IfNotPresent, so that another test image can still be pulled.
*/}}
{{- define "gitops-demo.testPullPolicy" -}}
{{- if .Values.tests.image.pullPolicy }}
{{- .Values.tests.image.pullPolicy }}
{{- else if .Values.tests.image.repository }}
{{- "IfNotPresent" }}
{{- else }}
{{- .Values.image.pullPolicy }}
{{- end }}
{{- end }}

{{/* The fewest pods that run at once: replicaCount, or the HPA's minimum. */}}
{{- define "gitops-demo.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ .Values.autoscaling.minReplicas }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}

{{/* Metrics are scraped (annotations or a ServiceMonitor): the NetworkPolicy lets the scraper in. */}}
{{- define "gitops-demo.metricsEnabled" -}}
{{- if or .Values.metrics.scrapeAnnotations.enabled .Values.metrics.serviceMonitor.enabled }}true{{ end }}
{{- end }}

{{/* Pod annotations: podAnnotations plus, when enabled, the prometheus.io scrape annotations. */}}
{{- define "gitops-demo.podAnnotations" -}}
{{- $annotations := deepCopy .Values.podAnnotations }}
{{- if .Values.metrics.scrapeAnnotations.enabled }}
{{- $_ := set $annotations "prometheus.io/scrape" "true" }}
{{- $_ := set $annotations "prometheus.io/port" (toString .Values.containerPort) }}
{{- $_ := set $annotations "prometheus.io/path" .Values.metrics.path }}
{{- end }}
{{- if $annotations }}
{{- toYaml $annotations }}
{{- end }}
{{- end }}
