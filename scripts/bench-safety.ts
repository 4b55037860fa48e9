/**
 * `pnpm bench safety`: the throughput of the code scanner of `inline::code-scanner`. A message of
 * about 1 MB is generated (seeded, so every run scans the same text): prose and fenced blocks in
 * Python, JavaScript, TypeScript, Java, Go and C (some unlabeled, so their language is guessed),
 * mostly ordinary code with an insecure line now and then. `scanMessage` is timed over it; the
 * target is 20 MB/s.
 *
 * Then the server time a shield adds to a Responses turn over the model call: Cria (a child
 * process) serves responses and the code-scanner shield over a scripted upstream on loopback;
 * the same turn with and without `guardrails: ["code-scanner"]` (the input checked before the
 * model, the answer after it) take turns, and the difference of their medians is the shield's
 * cost (target ≤ 1 ms at p50).
 *
 * Options: --megabytes <n> (message size, default 1), --rounds <n> (timed rounds, 9),
 * --requests <n> (timed turns per path, 300), --warmup <n> (50).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { scanMessage, type CodeFinding } from '@cria/provider-safety-code-scanner';
import { seededRandom } from '@cria/testing';
import { post, startResponsesCria, startUpstream, timeInTurns } from './responses-bench-harness.js';

const { values } = parseArgs({
  options: {
    megabytes: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '9' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '50' },
  },
});
const TARGET_BYTES = Number(values.megabytes) * 1024 * 1024;
const ROUNDS = Number(values.rounds);
const TARGET_MB_PER_SECOND = 20;

/** Lines of ordinary code per language, and a few insecure ones. */
const CORPUS: Record<string, { safe: string[]; unsafe: string[] }> = {
  python: {
    safe: [
      'import os',
      'from pathlib import Path',
      'def load_config(path: str) -> dict:',
      '    """Read the settings file; returns an empty dict when it is missing."""',
      '    with open(path, encoding="utf-8") as handle:',
      '        return json.load(handle)',
      '    # fall back to the defaults when the file is absent',
      '    for index, item in enumerate(items):',
      '        total += item.price * item.quantity',
      '    cursor.execute("SELECT id, name FROM users WHERE id = %s", (user_id,))',
      '    digest = hashlib.sha256(payload).hexdigest()',
      '    response = requests.get(url, timeout=10)',
      '    logger.info("processed %d records in %.2fs", count, elapsed)',
      'class Repository:',
      '    def __init__(self, connection):',
      '        self.connection = connection',
      '    if __name__ == "__main__":',
      '        main()',
    ],
    unsafe: [
      '    os.system("convert " + filename + " out.png")',
      '    cursor.execute(f"SELECT * FROM orders WHERE customer = \'{customer}\'")',
      '    data = pickle.loads(request.data)',
      '    requests.post(url, json=body, verify=False)',
      '    config = yaml.load(stream)',
      '    API_KEY = "q8Zr4Lm2Xv9Tb6Nw1Ps7Kd3H"',
    ],
  },
  javascript: {
    safe: [
      "import { readFile } from 'node:fs/promises';",
      'const express = require("express");',
      'export async function handler(request, response) {',
      '  const body = await request.json();',
      '  // validate the body before using it',
      '  const items = body.items.filter((item) => item.quantity > 0);',
      "  const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);",
      '  const text = `Total: ${total.toFixed(2)} for ${items.length} items`;',
      "  db.query('SELECT * FROM products WHERE id = ?', [body.id]);",
      '  if (!/^[a-z0-9-]+$/.test(body.slug)) throw new Error("bad slug");',
      '  return response.status(200).json({ total, text });',
      '}',
      "const hash = crypto.createHash('sha256').update(secret).digest('hex');",
    ],
    unsafe: [
      '  exec(`tar -xzf ${req.query.archive}`);',
      "  const agent = new https.Agent({ rejectUnauthorized: false });",
      '  const rows = await db.query("SELECT * FROM users WHERE email = \'" + email + "\'");',
      '  res.sendFile(path.join(__dirname, req.params.file));',
      '  const result = eval(req.body.expression);',
    ],
  },
  java: {
    safe: [
      'import java.util.List;',
      'public class OrderService {',
      '    private final OrderRepository repository;',
      '    /** Finds the orders of a customer, newest first. */',
      '    public List<Order> findByCustomer(String customerId) {',
      '        PreparedStatement statement = connection.prepareStatement("SELECT * FROM orders WHERE customer = ?");',
      '        statement.setString(1, customerId);',
      '        MessageDigest digest = MessageDigest.getInstance("SHA-256");',
      '        return repository.findAll().stream().filter(order -> order.isOpen()).toList();',
      '    }',
      '}',
    ],
    unsafe: [
      '        Statement statement = connection.createStatement("SELECT * FROM orders WHERE id = " + orderId);',
      '        Cipher cipher = Cipher.getInstance("DES/ECB/PKCS5Padding");',
      '        Process process = Runtime.getRuntime().exec("ping " + host);',
      '        Object message = new ObjectInputStream(socket.getInputStream()).readObject();',
    ],
  },
  go: {
    safe: [
      'package main',
      'import (',
      '\t"fmt"',
      '\t"net/http"',
      ')',
      'func handler(w http.ResponseWriter, r *http.Request) {',
      '\tname := r.URL.Query().Get("name")',
      '\tif name == "" {',
      '\t\thttp.Error(w, "missing name", http.StatusBadRequest)',
      '\t\treturn',
      '\t}',
      '\trows, err := db.Query("SELECT id FROM users WHERE name = $1", name)',
      '\tif err != nil {',
      '\t\treturn',
      '\t}',
      '\tfmt.Fprintf(w, "hello %s", name)',
      '}',
    ],
    unsafe: [
      '\tcmd := exec.Command("sh", "-c", "ls "+dir)',
      '\tclient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}',
      '\tquery := fmt.Sprintf("SELECT * FROM users WHERE name = \'%s\'", name)',
      '\tsum := md5.Sum([]byte(password))',
    ],
  },
  c: {
    safe: [
      '#include <stdio.h>',
      '#include <string.h>',
      'int main(int argc, char **argv) {',
      '    char buffer[256];',
      '    /* copy at most the buffer size */',
      '    snprintf(buffer, sizeof buffer, "%s", argv[1]);',
      '    for (int index = 0; index < argc; index++) {',
      '        printf("%d: %s\\n", index, argv[index]);',
      '    }',
      '    return 0;',
      '}',
    ],
    unsafe: [
      '    system(buffer);',
      '    sprintf(query, "SELECT * FROM users WHERE name = \'%s\'", argv[1]);',
      '    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);',
      '    MD5_Init(&context);',
    ],
  },
};
CORPUS.typescript = {
  safe: [...CORPUS.javascript!.safe, 'interface Order { id: string; total: number }', 'export const load = async (path: string): Promise<string> => readFile(path, "utf8");'],
  unsafe: CORPUS.javascript!.unsafe,
};
const LANGUAGES = Object.keys(CORPUS);
const PROSE = [
  'Here is how you could write it:',
  'This version reads the configuration once and caches it.',
  'Note that the query uses parameters, so the input is never part of the SQL text.',
  'You can run it with the default settings.',
];

function generateMessage(random: () => number, targetBytes: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const parts: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const language = pick(LANGUAGES);
    const lines = Array.from({ length: 20 + Math.floor(random() * 100) }, () => (random() < 0.02 ? pick(CORPUS[language]!.unsafe) : pick(CORPUS[language]!.safe)));
    const label = random() < 0.15 ? '' : language;
    const block = `${pick(PROSE)}\n\n\`\`\`${label}\n${lines.join('\n')}\n\`\`\`\n\n`;
    parts.push(block);
    bytes += Buffer.byteLength(block);
  }
  return parts.join('');
}

function scannerThroughput(): void {
  const message = generateMessage(seededRandom(11), TARGET_BYTES);
  const megabytes = Buffer.byteLength(message) / (1024 * 1024);
  let findings: CodeFinding[] = [];
  for (let warmup = 0; warmup < 3; warmup++) findings = scanMessage(message);
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    const cpuStarted = process.cpuUsage();
    findings = scanMessage(message);
    const cpu = process.cpuUsage(cpuStarted);
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
  }
  const medianOf = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const median = medianOf(seconds);
  const byRule = new Map<string, number>();
  for (const finding of findings) byRule.set(finding.rule_id, (byRule.get(finding.rule_id) ?? 0) + 1);
  console.log(`Code scanner benchmark: ${megabytes.toFixed(2)} MB message, ${(message.match(/^```/gm)?.length ?? 0) / 2} fenced blocks, median of ${ROUNDS} rounds`);
  console.log(`findings: ${findings.length} (${[...byRule].sort((a, b) => b[1] - a[1]).map(([rule, count]) => `${rule} ${count}`).join(', ')})`);
  const throughput = megabytes / median;
  console.log(`scanMessage: ${(median * 1000).toFixed(1)} ms, ${throughput.toFixed(1)} MB/s (target ≥ ${TARGET_MB_PER_SECOND} MB/s: ${throughput >= TARGET_MB_PER_SECOND ? 'met' : 'NOT met'})`);
  // On a busy machine the wall time includes waiting for a core; the process's CPU time does not.
  console.log(`CPU time: ${(medianOf(cpuSeconds) * 1000).toFixed(1)} ms, ${(megabytes / medianOf(cpuSeconds)).toFixed(1)} MB/s; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`);
}

/** The server time the code-scanner shield adds to one Responses turn (input and answer checked). */
async function shieldCost(): Promise<void> {
  const upstream = await startUpstream();
  const cria = await startResponsesCria(upstream.url, {
    providers: `  safety:
    - { provider_id: code-scanner, provider_type: inline::code-scanner }`,
    resources: `  shields:
    - { shield_id: code-scanner, provider_id: code-scanner, provider_shield_id: code-scanner }`,
  });
  try {
    const turn = { model: 'bench-llm', input: 'Write a function that adds two numbers, please.', store: false };
    const paths = [
      { name: 'response (store: false)', run: () => post(`${cria.url}/v1/responses`, turn) },
      { name: 'response with the code-scanner guardrail', run: () => post(`${cria.url}/v1/responses`, { ...turn, guardrails: ['code-scanner'] }) },
      { name: 'response streamed', run: () => post(`${cria.url}/v1/responses`, { ...turn, stream: true }) },
      { name: 'response streamed with the guardrail', run: () => post(`${cria.url}/v1/responses`, { ...turn, stream: true, guardrails: ['code-scanner'] }) },
    ];
    const results = await timeInTurns(paths, { requests: Number(values.requests), warmup: Number(values.warmup) });
    console.log(`\n${values.requests} turns per path, the paths taking turns\n`);
    console.log('| path | p50 ms | p99 ms |\n| --- | --- | --- |');
    for (const [name, result] of results) console.log(`| ${name} | ${result.p50.toFixed(3)} | ${result.p99.toFixed(3)} |`);
    const at = (index: number) => results.get(paths[index]!.name)!.p50;
    console.log('\n| added by a shield | p50 ms | target |\n| --- | --- | --- |');
    console.log(`| code-scanner guardrail on a turn (JSON) | ${(at(1) - at(0)).toFixed(3)} | ≤ 1 |`);
    console.log(`| code-scanner guardrail on a turn (streamed) | ${(at(3) - at(2)).toFixed(3)} | ≤ 1 |`);
  } finally {
    await cria.close();
    await upstream.close();
  }
}

scannerThroughput();
await shieldCost();
