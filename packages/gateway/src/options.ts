import type { TranslateOptions } from '@kupstream/core';
import { resolveTranslateOptions, type ResolvedTranslateOptions } from '@kupstream/core/building-blocks';

export const DEFAULT_GATEWAY_CONTROLLER_NAME = 'ngrok.com/gateway-controller';

export interface GatewayTranslateOptions extends TranslateOptions {
  /** GatewayClasses whose `spec.controllerName` equals this are ours. Default `ngrok.com/gateway-controller`. */
  controllerName?: string;
  /**
   * When the snapshot holds no GatewayClass at all, take every referenced class as ours
   * (with an info diagnostic `GatewayClassAssumed`), so plain manifests work. Default false.
   */
  assumeClassesWhenAbsent?: boolean;
}

export interface ResolvedGatewayOptions extends ResolvedTranslateOptions {
  controllerName: string;
  assumeClassesWhenAbsent: boolean;
}

export function resolveGatewayOptions(options: GatewayTranslateOptions = {}): ResolvedGatewayOptions {
  return {
    ...resolveTranslateOptions(options),
    controllerName:
      typeof options.controllerName === 'string' && options.controllerName !== ''
        ? options.controllerName
        : DEFAULT_GATEWAY_CONTROLLER_NAME,
    assumeClassesWhenAbsent: options.assumeClassesWhenAbsent === true,
  };
}
