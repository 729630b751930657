import type { FaultClass, ReasonCode, RouteClass } from './types';

/**
 * Short-term account health, kept in process memory: demotions and cooldowns per account, circuit
 * breakers per (account, model, route class). Nothing here is persisted; a restart forgets it, which
 * at worst costs a few failed attempts.
 */

export interface HealthSettings {
  /** Consecutive account faults that open a circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses traffic before it admits a probe. */
  openMs: number;
  /** Probes admitted at once while half-open. */
  halfOpenProbeLimit: number;
  /** Probe successes that close a half-open circuit. */
  successThreshold: number;
  /** How long a failed account is moved to the back of plans. */
  demotionMs: number;
  /**
   * How long a half-open probe holds its slot when it never reports (every attempt reports its
   * outcome; this only bounds a leak). Longer than a stream may last, or a second probe slips in.
   */
  probeLeaseMs: number;
}

export const DEFAULT_HEALTH_SETTINGS: Readonly<HealthSettings> = {
  failureThreshold: 3,
  openMs: 60_000,
  halfOpenProbeLimit: 1,
  successThreshold: 1,
  demotionMs: 60_000,
  probeLeaseMs: 15 * 60_000,
};

export interface HealthKey {
  accountId: string;
  model: string;
  routeClass: RouteClass;
}

export type CircuitRefusal = Extract<ReasonCode, 'circuit_open' | 'circuit_probe_in_flight'>;

/** A circuit that returns to closed with no failures is deleted, so absence means healthy. */
interface Circuit {
  state: 'closed' | 'open' | 'half_open';
  failures: number;
  probeSuccesses: number;
  openUntil: number;
  probesInFlight: number;
  /** A probe that reported nothing by then is presumed lost, so its slot does not leak forever. */
  probesExpireAt: number;
}

interface AccountHealthRecord {
  demotedUntil: number;
  cooledUntil: number;
  refreshBackoffUntil: number;
  circuits: Map<string, Circuit>;
}

export class RoutingHealth {
  /** Replace to apply changed instance settings; later transitions use the new values. */
  settings: Readonly<HealthSettings>;
  private readonly accounts = new Map<string, AccountHealthRecord>();

  constructor(settings: Readonly<HealthSettings> = DEFAULT_HEALTH_SETTINGS) {
    this.settings = settings;
  }

  /** Called right before an attempt is sent; flips an open circuit whose wait is over to half-open. */
  beginAttempt(key: HealthKey, now: number): 'allowed' | CircuitRefusal {
    const circuit = this.accounts.get(key.accountId)?.circuits.get(circuitId(key.model, key.routeClass));
    if (!circuit || circuit.state === 'closed') return 'allowed';
    if (circuit.state === 'open') {
      if (now < circuit.openUntil) return 'circuit_open';
      circuit.state = 'half_open';
    }
    const refusal = this.refusalOf(circuit, now);
    if (refusal) return refusal;
    if (now >= circuit.probesExpireAt) circuit.probesInFlight = 0;
    circuit.probesInFlight += 1;
    circuit.probesExpireAt = now + this.settings.probeLeaseMs;
    return 'allowed';
  }

  /**
   * Client and platform faults are neutral: they only give back a probe slot. An account fault
   * demotes the account and counts toward its circuit; while open, it extends the wait.
   */
  recordFailure(key: HealthKey, fault: FaultClass, now: number): void {
    if (fault !== 'account') {
      this.releaseProbe(key);
      return;
    }
    const record = this.recordFor(key.accountId);
    record.demotedUntil = Math.max(record.demotedUntil, now + this.settings.demotionMs);

    const id = circuitId(key.model, key.routeClass);
    let circuit = record.circuits.get(id);
    if (!circuit) {
      circuit = { state: 'closed', failures: 0, probeSuccesses: 0, openUntil: 0, probesInFlight: 0, probesExpireAt: 0 };
      record.circuits.set(id, circuit);
    }
    circuit.failures += 1;
    if (circuit.state === 'half_open' || circuit.failures >= this.settings.failureThreshold) {
      circuit.state = 'open';
      circuit.openUntil = now + this.settings.openMs;
      circuit.probeSuccesses = 0;
      circuit.probesInFlight = 0;
    }
  }

  /** Clears the demotion. An open circuit ignores it (an attempt begun before it opened); only probes close it. */
  recordSuccess(key: HealthKey): void {
    const record = this.accounts.get(key.accountId);
    if (!record) return;
    record.demotedUntil = 0;
    const id = circuitId(key.model, key.routeClass);
    const circuit = record.circuits.get(id);
    if (circuit?.state === 'closed') {
      record.circuits.delete(id);
    } else if (circuit?.state === 'half_open') {
      circuit.probesInFlight = Math.max(0, circuit.probesInFlight - 1);
      circuit.probeSuccesses += 1;
      if (circuit.probeSuccesses >= this.settings.successThreshold) record.circuits.delete(id);
    }
  }

  /** After a usage-limit answer: keep the account out of plans until its quota resets. */
  coolUntil(accountId: string, resetAt: number): void {
    const record = this.recordFor(accountId);
    record.cooledUntil = Math.max(record.cooledUntil, resetAt);
  }

  /**
   * After a token refresh that failed for a passing reason, with no usable token left: the account
   * sits out the retry backoff. Not a quota state: a Pool with every account here is unavailable
   * (503), not out of quota.
   */
  backOffRefresh(accountId: string, until: number): void {
    const record = this.recordFor(accountId);
    record.refreshBackoffUntil = Math.max(record.refreshBackoffUntil, until);
  }

  isBackingOffRefresh(accountId: string, now: number): boolean {
    return (this.accounts.get(accountId)?.refreshBackoffUntil ?? 0) > now;
  }

  /** End of the account's cooldown, or null when it is not cooling down at `now`. */
  cooldownEnd(accountId: string, now: number): number | null {
    const cooledUntil = this.accounts.get(accountId)?.cooledUntil ?? 0;
    return cooledUntil > now ? cooledUntil : null;
  }

  isDemoted(accountId: string, now: number): boolean {
    return (this.accounts.get(accountId)?.demotedUntil ?? 0) > now;
  }

  /** Read-only twin of beginAttempt for eligibility: would an attempt be refused at `now`? */
  circuitRefusal(accountId: string, model: string, routeClass: RouteClass, now: number): CircuitRefusal | null {
    const circuit = this.accounts.get(accountId)?.circuits.get(circuitId(model, routeClass));
    if (!circuit || circuit.state === 'closed') return null;
    if (circuit.state === 'open') return now < circuit.openUntil ? 'circuit_open' : null;
    return this.refusalOf(circuit, now);
  }

  private refusalOf(halfOpen: Circuit, now: number): CircuitRefusal | null {
    const liveProbes = now < halfOpen.probesExpireAt ? halfOpen.probesInFlight : 0;
    return liveProbes >= this.settings.halfOpenProbeLimit ? 'circuit_probe_in_flight' : null;
  }

  private releaseProbe(key: HealthKey): void {
    const circuit = this.accounts.get(key.accountId)?.circuits.get(circuitId(key.model, key.routeClass));
    if (circuit?.state === 'half_open') circuit.probesInFlight = Math.max(0, circuit.probesInFlight - 1);
  }

  private recordFor(accountId: string): AccountHealthRecord {
    let record = this.accounts.get(accountId);
    if (!record) {
      record = { demotedUntil: 0, cooledUntil: 0, refreshBackoffUntil: 0, circuits: new Map() };
      this.accounts.set(accountId, record);
    }
    return record;
  }
}

function circuitId(model: string, routeClass: RouteClass): string {
  return `${routeClass}\u0000${model}`;
}
