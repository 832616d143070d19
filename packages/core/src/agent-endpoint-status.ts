// AgentEndpoint status, with ngrok's own condition types and reasons:
// Ready (EndpointActive | ConfigurationError), EndpointCreated (EndpointCreated |
// ConfigurationError) and, when a policy is set, TrafficPolicyApplied.
import type { AgentEndpointTrafficPolicy } from './agent-endpoint-spec.js';
import { makeCondition } from './conditions.js';
import type { Condition, ResourceStatus } from './model.js';

export const AGENT_ENDPOINT_API_VERSION = 'ngrok.k8s.ngrok.com/v1alpha1';

export const AgentEndpointReason = {
  EndpointActive: 'EndpointActive',
  EndpointCreated: 'EndpointCreated',
  ConfigurationError: 'ConfigurationError',
  TrafficPolicyApplied: 'TrafficPolicyApplied',
  TrafficPolicyError: 'TrafficPolicyError',
  Pending: 'Pending',
} as const;

export interface AgentEndpointStatusInput {
  namespace: string;
  name: string;
  generation: number | undefined;
  /** Every violated rule, in words; empty when the endpoint is created. */
  errors: string[];
  /** The valid policy, if any. */
  trafficPolicy: AgentEndpointTrafficPolicy | undefined;
  /** A problem in spec.trafficPolicy itself. */
  trafficPolicyError: string | undefined;
  now: Date;
}

export function agentEndpointStatus(input: AgentEndpointStatusInput): ResourceStatus {
  const { generation, now } = input;
  const conditions: Condition[] = [];
  if (input.errors.length === 0) {
    conditions.push(makeCondition('Ready', true, AgentEndpointReason.EndpointActive, 'Endpoint is active', generation, now));
    conditions.push(makeCondition('EndpointCreated', true, AgentEndpointReason.EndpointCreated, 'Endpoint created', generation, now));
  } else {
    const message = input.errors.join('; ');
    conditions.push(makeCondition('Ready', false, AgentEndpointReason.ConfigurationError, message, generation, now));
    conditions.push(makeCondition('EndpointCreated', false, AgentEndpointReason.ConfigurationError, message, generation, now));
  }
  if (input.trafficPolicyError !== undefined) {
    conditions.push(
      makeCondition('TrafficPolicyApplied', false, AgentEndpointReason.TrafficPolicyError, input.trafficPolicyError, generation, now),
    );
  } else if (input.trafficPolicy && 'inline' in input.trafficPolicy) {
    conditions.push(
      makeCondition(
        'TrafficPolicyApplied',
        true,
        AgentEndpointReason.TrafficPolicyApplied,
        'Inline traffic policy applied',
        generation,
        now,
      ),
    );
  } else if (input.trafficPolicy && 'targetRef' in input.trafficPolicy) {
    // The NgrokTrafficPolicy object is not part of the snapshot: the host resolves it.
    const ref = input.trafficPolicy.targetRef;
    conditions.push(
      makeCondition(
        'TrafficPolicyApplied',
        'Unknown',
        AgentEndpointReason.Pending,
        `NgrokTrafficPolicy ${ref.namespace}/${ref.name} is resolved by the host`,
        generation,
        now,
      ),
    );
  }
  const attached = !input.trafficPolicy ? 'none' : 'inline' in input.trafficPolicy ? 'inline' : input.trafficPolicy.targetRef.name;
  return {
    apiVersion: AGENT_ENDPOINT_API_VERSION,
    kind: 'AgentEndpoint',
    namespace: input.namespace,
    name: input.name,
    status: {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      ...(input.errors.length === 0 ? { trafficPolicy: attached } : {}),
      conditions,
    },
  };
}
