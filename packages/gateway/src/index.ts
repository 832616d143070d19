export { translateGatewayApi } from './translate.js';
export type { GatewayTranslateOptions } from './options.js';
export { DEFAULT_GATEWAY_CONTROLLER_NAME } from './options.js';
export { ConditionType, Reason, GATEWAY_GROUP, GATEWAY_API_VERSION } from './reasons.js';
export type { ReasonName } from './reasons.js';
export { intersectHostnames, hostnameCovers, isValidHostname } from './hostnames.js';
export { createGatewayTranslator } from './translator.js';
export type { GatewayTranslator } from './translator.js';
export { SUPPORTED_FEATURES } from './supported-features.js';
