import type { Gauge, GaugeRegistry } from '@cria/api';

/** The gauges of one stack, in the order they were registered. */
export class StackGauges implements GaugeRegistry {
  private readonly gauges: Gauge[] = [];

  register(gauge: Gauge): void {
    this.gauges.push(gauge);
  }

  list(): readonly Gauge[] {
    return this.gauges;
  }
}
