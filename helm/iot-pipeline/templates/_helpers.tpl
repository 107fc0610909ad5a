{{/* Chart name, overridable. */}}
{{- define "iot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: <release>-<chart>, or the release alone when it already contains the chart name. */}}
{{- define "iot.fullname" -}}
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

{{/* Common labels; call with (dict "root" $ "component" "bridge"). */}}
{{- define "iot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: iot-pipeline
{{ include "iot.selectorLabels" . }}
{{- end }}

{{/* Selector labels; call with (dict "root" $ "component" "bridge"). */}}
{{- define "iot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "iot.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* image reference; call with (dict "root" $ "image" .Values.bridge.image). */}}
{{- define "iot.image" -}}
{{ .image.repository }}:{{ default .root.Chart.AppVersion .image.tag }}
{{- end }}

{{/* Prometheus scrape annotations; call with (dict "root" $ "port" 8091). */}}
{{- define "iot.scrapeAnnotations" -}}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{/*
Kafka client security settings as environment variables with the component's prefix, in its
kafka.* passthrough form (IOT_STREAMS_KAFKA_SECURITY_PROTOCOL -> kafka.security.protocol).
Call with (dict "root" $ "prefix" "IOT_STREAMS_").
*/}}
{{- define "iot.kafkaSecurityEnv" -}}
{{- $k := .root.Values.kafka }}
- name: {{ .prefix }}KAFKA_SECURITY_PROTOCOL
  value: {{ $k.securityProtocol | quote }}
{{- if hasPrefix "SASL_" $k.securityProtocol }}
- name: {{ .prefix }}KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: {{ .prefix }}KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret is required when kafka.securityProtocol is SASL_*" $k.sasl.existingSecret }}
      key: {{ $k.sasl.jaasConfigKey }}
{{- end }}
{{- if $k.tls.caSecret }}
- name: {{ .prefix }}KAFKA_SSL_TRUSTSTORE_TYPE
  value: PEM
- name: {{ .prefix }}KAFKA_SSL_TRUSTSTORE_LOCATION
  value: /etc/iot/kafka-ca/{{ $k.tls.caKey }}
{{- end }}
{{- end }}

{{/* The Kafka CA volume mount, if any. */}}
{{- define "iot.kafkaCaMount" -}}
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  mountPath: /etc/iot/kafka-ca
  readOnly: true
{{- end }}
{{- end }}

{{/* The Kafka CA volume, if any. */}}
{{- define "iot.kafkaCaVolume" -}}
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
{{- end }}
{{- end }}

{{/* Connector configs as a dict name -> config dict (without secrets: those are ${directory:...} references). */}}
{{- define "iot.connectorConfigs" -}}
{{- $v := .Values }}
{{- $out := dict }}
{{- if $v.warehouse.enabled }}
{{- $c := dict
  "connector.class" "dev.iotpipeline.connect.warehouse.WarehouseSinkConnector"
  "tasks.max" (toString $v.warehouse.tasksMax)
  "topics" "iot.batch.env_reading,iot.batch.position"
  "key.converter" "org.apache.kafka.connect.storage.StringConverter"
  "value.converter" "org.apache.kafka.connect.converters.ByteArrayConverter"
  "consumer.override.isolation.level" "read_committed"
  "connection.url" $v.warehouse.jdbcUrl
  "connection.user" $v.warehouse.user
  "connection.password" (printf "${directory:/etc/iot/warehouse:%s}" $v.warehouse.passwordKey)
  "schema.registry.url" $v.schemaRegistry.url
}}
{{- if $v.schemaRegistry.basicAuth.existingSecret }}
{{- $_ := set $c "schema.registry.basic.auth.user.info" (printf "${directory:/etc/iot/schema-registry:%s}" $v.schemaRegistry.basicAuth.key) }}
{{- end }}
{{- include "iot.errorConfig" (dict "config" $c "topic" $v.warehouse.deadLetterTopic "rf" $v.kafka.topics.replicationFactor) }}
{{- $_ := set $out $v.warehouse.name (merge (deepCopy $v.warehouse.extraConfig) $c) }}
{{- end }}
{{- if $v.lake.enabled }}
{{- $c := dict
  "connector.class" "dev.iotpipeline.connect.lake.LakeSinkConnector"
  "tasks.max" (toString $v.lake.tasksMax)
  "topics" "iot.batch.env_reading,iot.batch.position"
  "key.converter" "org.apache.kafka.connect.storage.StringConverter"
  "value.converter" "org.apache.kafka.connect.converters.ByteArrayConverter"
  "consumer.override.isolation.level" "read_committed"
  "schema.registry.url" $v.schemaRegistry.url
}}
{{- if $v.schemaRegistry.basicAuth.existingSecret }}
{{- $_ := set $c "schema.registry.basic.auth.user.info" (printf "${directory:/etc/iot/schema-registry:%s}" $v.schemaRegistry.basicAuth.key) }}
{{- end }}
{{- if eq $v.lake.storage "s3" }}
{{- $_ := set $c "lake.storage" "s3" }}
{{- $_ := set $c "lake.root" (printf "s3://%s/%s" $v.lake.s3.bucket $v.lake.s3.prefix) }}
{{- $_ := set $c "s3.region" $v.lake.s3.region }}
{{- if $v.lake.s3.endpoint }}
{{- $_ := set $c "s3.endpoint" $v.lake.s3.endpoint }}
{{- end }}
{{- $_ := set $c "s3.path.style.access" (toString $v.lake.s3.pathStyle) }}
{{- else }}
{{- $_ := set $c "lake.storage" "local" }}
{{- $_ := set $c "lake.root" $v.lake.volume.mountPath }}
{{- end }}
{{- include "iot.errorConfig" (dict "config" $c "topic" $v.lake.deadLetterTopic "rf" $v.kafka.topics.replicationFactor) }}
{{- $_ := set $out $v.lake.name (merge (deepCopy $v.lake.extraConfig) $c) }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* Adds errors.* settings to .config when a dead-letter topic is set. */}}
{{- define "iot.errorConfig" -}}
{{- if .topic }}
{{- $_ := set .config "errors.tolerance" "all" }}
{{- $_ := set .config "errors.deadletterqueue.topic.name" .topic }}
{{- $_ := set .config "errors.deadletterqueue.topic.replication.factor" (toString .rf) }}
{{- $_ := set .config "errors.deadletterqueue.context.headers.enable" "true" }}
{{- $_ := set .config "errors.log.enable" "true" }}
{{- end }}
{{- end }}
