// Registers the OpenTelemetry Node SDK before the gateway starts: node --import ./examples/tracing.mjs …
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

const sdk = new NodeSDK({
  serviceName: 'step-up-gateway',
  // OTLP over HTTP, to a collector (default http://localhost:4318/v1/traces; OTEL_EXPORTER_OTLP_ENDPOINT overrides it).
  traceExporter: new OTLPTraceExporter(),
});
sdk.start();
process.on('SIGTERM', () => void sdk.shutdown());
