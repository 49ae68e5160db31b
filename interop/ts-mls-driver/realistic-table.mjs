// The table of bench-realistic.sh: per operation and group size, the median of group-protocol's
// JMH iterations and of ts-mls's runs, and their ratio; with the HPKE seal of the JMH runs (before
// the group benchmarks, and after them when seal-after.json is given) and each operation's median
// in those seals.
//   node realistic-table.mjs jmh.json ts-mls.json [seal-after.json]
import { readFileSync } from "node:fs";

const [jmhFile, tsFile, sealAfterFile] = process.argv.slice(2);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const toMs = { "ms/op": 1, "us/op": 1e-3, "s/op": 1e3 };
const fmt = (x) => (x === undefined ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

const java = new Map();
let seal;
for (const r of JSON.parse(readFileSync(jmhFile, "utf8"))) {
  const m = r.primaryMetric;
  const ms = median(m.rawData.flat()) * toMs[m.scoreUnit];
  const op = r.benchmark.split(".").pop();
  if (r.benchmark.includes("HpkeBenchmark")) seal = ms;
  else java.set(`${op}/${r.params.members}`, ms);
}
let sealAfter;
if (sealAfterFile) {
  for (const r of JSON.parse(readFileSync(sealAfterFile, "utf8"))) {
    sealAfter = median(r.primaryMetric.rawData.flat()) * toMs[r.primaryMetric.scoreUnit];
  }
}
const ts = new Map(JSON.parse(readFileSync(tsFile, "utf8")).map((r) => [`${r.op}/${r.members}`, r.medianMs]));

const ops = ["addAll", "addAllTreeOutOfBand", "addAllProcess", "join", "firstCommitCreate", "firstCommitSealsOnly", "firstCommitProcess",
  "churnEmptyCommitCreate", "churnEmptyCommitProcess", "churnEmptyCommitProcessFar", "churnRemoveCreate", "churnRemoveProcess"];
const sizes = [...new Set([...java.keys()].map((k) => Number(k.split("/")[1])))].sort((a, b) => a - b);
const seals = [seal, sealAfter].filter((x) => x !== undefined);
const sealRef = seals.length ? seals.reduce((a, b) => a + b) / seals.length : undefined;
console.log("| operation | N | group-protocol median (ms) | in HPKE seals | ts-mls median (ms) | ts-mls / group-protocol |");
console.log("|---|--:|--:|--:|--:|--:|");
for (const op of ops) {
  for (const n of sizes) {
    const j = java.get(`${op}/${n}`);
    const t = ts.get(`${op}/${n}`);
    if (j === undefined && t === undefined) continue;
    const ratio = op.endsWith("SealsOnly") ? "(baseline)"
      : j !== undefined && t !== undefined ? `${(t / j).toFixed(t / j >= 10 ? 0 : 1)}×` : "not run";
    const inSeals = j !== undefined && sealRef !== undefined ? fmt(j / sealRef) : "–";
    console.log(`| ${op} | ${n.toLocaleString("en")} | ${fmt(j)} | ${inSeals} | ${fmt(t)} | ${ratio} |`);
  }
}
const us = (x) => (x === undefined ? "not run" : `${(x * 1000).toFixed(1)} µs`);
console.log(`\nHpkeBenchmark.seal (suite 1) median: ${us(seal)} before, ${us(sealAfter)} after; "in HPKE seals" divides by their mean.`);
