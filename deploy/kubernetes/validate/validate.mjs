// Validates Kubernetes objects against the Kubernetes API schemas (kubernetes-models: the OpenAPI schemas of the API,
// compiled into validators; no cluster and no network needed). Reads the YAML documents `kubectl kustomize` prints on
// standard input; writes them as one JSON array on standard output (for the tests to check their contents); prints
// every problem on standard error and exits 1 when an object is invalid or of a kind it has no schema for.
//   kubectl kustomize deploy/kubernetes/overlays/single | node deploy/kubernetes/validate/validate.mjs
import { parseAllDocuments } from "yaml";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const documents = parseAllDocuments(Buffer.concat(chunks).toString("utf8"));

const objects = [];
let problems = 0;
for (const document of documents) {
  if (document.errors.length > 0) {
    console.error(`YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    problems++;
    continue;
  }
  const object = document.toJS();
  if (object === null) continue;
  objects.push(object);
  const name = `${object.kind}/${object.metadata?.name}`;
  // apps/v1 -> kubernetes-models/apps/v1/StatefulSet; v1 (the core group) -> kubernetes-models/v1/Service.
  let model;
  try {
    model = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`))[object.kind];
  } catch {
    console.error(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
    problems++;
    continue;
  }
  try {
    new model(object).validate();
    console.error(`${name}: valid (${object.apiVersion})`);
  } catch (error) {
    console.error(`${name}: ${error.message}`);
    problems++;
  }
}

process.stdout.write(JSON.stringify(objects));
if (objects.length === 0) {
  console.error("no object on standard input");
  problems++;
}
process.exit(problems === 0 ? 0 : 1);
