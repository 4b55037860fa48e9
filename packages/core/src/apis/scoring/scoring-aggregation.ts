import { type AggregationFunctionType, InvalidRequestError, type ScoreRow } from '@cria/api';

/** A score as a number for the numeric aggregations (a judge's `"4"` counts as 4); null stays null. */
function numericScore(row: ScoreRow, aggregation: AggregationFunctionType, param: string): number | null {
  const score = row.score;
  if (score === null || score === undefined) return null;
  if (typeof score === 'number') return score;
  if (typeof score === 'boolean') return score ? 1 : 0;
  if (typeof score === 'string' && score.trim() !== '' && Number.isFinite(Number(score))) return Number(score);
  throw new InvalidRequestError(`The aggregation '${aggregation}' needs numeric scores; a row scored ${JSON.stringify(score)}. Use categorical_count for such scores.`, { param });
}

/** A score as Python's str() prints it, so categorical_count's keys match Llama Stack's (`1.0`, `None`, `A`). */
function categoryOf(score: unknown): string {
  if (score === null || score === undefined) return 'None';
  if (typeof score === 'number') return Number.isInteger(score) ? `${score}.0` : String(score);
  if (typeof score === 'boolean') return score ? 'True' : 'False';
  return typeof score === 'string' ? score : JSON.stringify(score);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Divides, giving null where Llama Stack would divide by zero (no rows, or no weights). */
const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);

/**
 * Llama Stack's aggregate_metrics: each aggregation function's result under its name.
 * accuracy: {accuracy, num_correct, num_total} over every row; average and median over the rows
 * whose score is not null; weighted_average: Σ score·weight / Σ weight over rows with both;
 * categorical_count: {categorical_count: {<score>: n}}, keys sorted. Where Llama Stack divides by
 * zero (no rows), the value is null.
 */
export function aggregateScores(rows: readonly ScoreRow[], aggregations: readonly AggregationFunctionType[], param: string): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  for (const aggregation of aggregations) {
    switch (aggregation) {
      case 'accuracy': {
        const correct = rows.reduce((sum, row) => sum + (numericScore(row, aggregation, param) ?? 0), 0);
        results.accuracy = { accuracy: ratio(correct, rows.length), num_correct: correct, num_total: rows.length };
        break;
      }
      case 'average': {
        const scores = rows.map((row) => numericScore(row, aggregation, param)).filter((score): score is number => score !== null);
        results.average = { average: ratio(scores.reduce((sum, score) => sum + score, 0), scores.length) };
        break;
      }
      case 'weighted_average': {
        let weighted = 0;
        let weights = 0;
        for (const row of rows) {
          const weight = typeof row.weight === 'number' ? row.weight : null;
          if (weight === null) continue;
          weights += weight;
          const score = numericScore(row, aggregation, param);
          if (score !== null) weighted += score * weight;
        }
        results.weighted_average = { weighted_average: ratio(weighted, weights) };
        break;
      }
      case 'median': {
        const scores = rows.map((row) => numericScore(row, aggregation, param)).filter((score): score is number => score !== null);
        results.median = { median: median(scores) };
        break;
      }
      case 'categorical_count': {
        const counts = new Map<string, number>();
        for (const row of rows) {
          const category = categoryOf(row.score);
          counts.set(category, (counts.get(category) ?? 0) + 1);
        }
        results.categorical_count = { categorical_count: Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
        break;
      }
      default:
        throw new InvalidRequestError(`Unknown aggregation function '${String(aggregation)}'.`, { param });
    }
  }
  return results;
}
