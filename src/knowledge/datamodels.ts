// Data models: Splunk's data model JSON (`default/data/models/*.json` in a bundle) read into datasets. A dataset is
// an object of the model: its own constraint searches, fields and calculations, under a parent (a root dataset's
// parent is BaseEvent). What a dataset holds is its lineage's constraints, root first, with each level's
// calculations applied in order; its fields are named by the lineage of the dataset that defines them
// (`Processes.process_name`, `All_Changes.Instance_Changes.image_id`), which is how tstats, `datamodel` and
// pivot name them. The compiler turns a dataset into SQL (compile/commands/datamodel.ts).

import { DuckhuntError } from '../errors.ts';

/** A field a dataset defines itself (not one it inherits). */
export interface DatasetField {
  name: string;
  /** Splunk's field type: string, number, boolean, ipv4, timestamp… */
  type: string;
  /** An event without a value for it is not in the dataset. */
  required: boolean;
}

export type Calculation =
  | { kind: 'Eval'; expression: string; output: string; origin: string }
  | { kind: 'Rex'; expression: string; input: string; outputs: string[]; origin: string }
  | { kind: 'Lookup'; lookup: string; inputs: Array<{ inputField: string; lookupField: string }>; outputs: Array<{ lookupField: string; field: string }>; origin: string }
  | { kind: 'Other'; type: string; outputs: string[]; origin: string };

export interface Dataset {
  /** The object's name (`Processes`, `Failed_Authentication`). */
  name: string;
  model: DataModel;
  parent: Dataset | undefined;
  /** Dot-joined names from the root dataset down to this one: the prefix of its fields and its `nodename`. */
  lineage: string;
  /** Its own constraint searches (an ancestor's are the ancestor's). */
  constraints: string[];
  fields: Map<string, DatasetField>;
  calculations: Calculation[];
  children: Dataset[];
  /** `file: object name`, for messages. */
  origin: string;
  /** A dataset built on something other than events (BaseSearch, BaseTransaction): named when it is used. */
  unsupportedBase: string | undefined;
}

export interface DataModel {
  name: string;
  file: string;
  /** Every dataset by object name. */
  datasets: Map<string, Dataset>;
  roots: Dataset[];
}

/** The fields every event dataset has (BaseEvent's), named without a prefix. */
export const BASE_FIELDS = ['_time', 'host', 'source', 'sourcetype', 'index'] as const;
export const isBaseField = (name: string): boolean => (BASE_FIELDS as readonly string[]).includes(name);

const EVENT_BASES = new Set(['BaseEvent']);

/** Reads one data model JSON file; anything malformed is an error naming the file and the object. */
export function parseDataModel(text: string, file: string): DataModel {
  const bad = (message: string) => new DuckhuntError('knowledge_error', `${file}: ${message}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw bad(`not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc) || typeof doc.modelName !== 'string' || !Array.isArray(doc.objects)) {
    throw bad('a data model is a JSON object with "modelName" and "objects"');
  }
  const model: DataModel = { name: doc.modelName, file, datasets: new Map(), roots: [] };
  const parents = new Map<string, string>();
  for (const [i, raw] of doc.objects.entries()) {
    if (!isObject(raw) || typeof raw.objectName !== 'string' || raw.objectName === '') throw bad(`objects[${i}] has no "objectName"`);
    const name = raw.objectName;
    const origin = `${file}: ${model.name}.${name}`;
    if (model.datasets.has(name)) throw bad(`two objects are named ${name}`);
    const owned = (x: unknown) => !isObject(x) || x.owner === undefined || x.owner === name;
    const constraints = list(raw.constraints, `${name}.constraints`, bad)
      .filter(owned)
      .map((c, j) => {
        if (!isObject(c) || typeof c.search !== 'string') throw bad(`${name}.constraints[${j}] has no "search"`);
        return c.search;
      })
      .filter((s) => s.trim() !== '');
    const fields = new Map<string, DatasetField>();
    for (const [j, f] of list(raw.fields, `${name}.fields`, bad).entries()) {
      if (!isObject(f) || typeof f.fieldName !== 'string') throw bad(`${name}.fields[${j}] has no "fieldName"`);
      if (!owned(f)) continue;
      fields.set(f.fieldName, { name: f.fieldName, type: typeof f.type === 'string' ? f.type : 'string', required: f.required === true });
    }
    const calculations = list(raw.calculations, `${name}.calculations`, bad)
      .filter(owned)
      .map((c, j) => calculation(c, `${origin} calculations[${j}]`, bad));
    for (const c of calculations) {
      for (const out of calculationOutputs(c)) if (!fields.has(out)) fields.set(out, { name: out, type: 'string', required: false });
    }
    const parentName = typeof raw.parentName === 'string' && raw.parentName !== '' ? raw.parentName : 'BaseEvent';
    parents.set(name, parentName);
    model.datasets.set(name, {
      name,
      model,
      parent: undefined,
      lineage: name,
      constraints,
      fields,
      calculations,
      children: [],
      origin,
      unsupportedBase: undefined,
    });
  }
  for (const ds of model.datasets.values()) {
    const parentName = parents.get(ds.name)!;
    const parent = model.datasets.get(parentName);
    if (parent) {
      ds.parent = parent;
      parent.children.push(ds);
    } else {
      if (!EVENT_BASES.has(parentName)) ds.unsupportedBase = parentName;
      model.roots.push(ds);
    }
  }
  // Lineages root first; a cycle of parents (no root above) is a malformed file.
  for (const ds of model.datasets.values()) {
    const names: string[] = [];
    for (let d: Dataset | undefined = ds; d; d = d.parent) {
      if (names.includes(d.name)) throw bad(`the parents of ${ds.name} form a cycle`);
      names.unshift(d.name);
    }
    ds.lineage = names.join('.');
    const base = lineageOf(ds)[0].unsupportedBase;
    if (base) ds.unsupportedBase = base;
  }
  return model;
}

function calculation(c: unknown, origin: string, bad: (m: string) => DuckhuntError): Calculation {
  if (!isObject(c) || typeof c.calculationType !== 'string') throw bad(`${origin} has no "calculationType"`);
  const outputs = list(c.outputFields, `${origin}.outputFields`, bad).map((o, k) => {
    if (!isObject(o) || typeof o.fieldName !== 'string') throw bad(`${origin}.outputFields[${k}] has no "fieldName"`);
    return o;
  });
  const type = c.calculationType;
  switch (type.toLowerCase()) {
    case 'eval':
      if (typeof c.expression !== 'string' || outputs.length !== 1) throw bad(`${origin}: an Eval calculation has an "expression" and one output field`);
      return { kind: 'Eval', expression: c.expression, output: outputs[0].fieldName as string, origin };
    case 'rex':
      if (typeof c.expression !== 'string') throw bad(`${origin}: a Rex calculation has an "expression"`);
      return { kind: 'Rex', expression: c.expression, input: typeof c.inputField === 'string' ? c.inputField : '_raw', outputs: outputs.map((o) => o.fieldName as string), origin };
    case 'lookup': {
      const inputs = list(c.lookupInputs, `${origin}.lookupInputs`, bad).map((x, k) => {
        if (!isObject(x) || typeof x.inputField !== 'string' || typeof x.lookupField !== 'string') throw bad(`${origin}.lookupInputs[${k}] needs "inputField" and "lookupField"`);
        return { inputField: x.inputField, lookupField: x.lookupField };
      });
      if (typeof c.lookupName !== 'string' || inputs.length === 0) throw bad(`${origin}: a Lookup calculation has a "lookupName" and "lookupInputs"`);
      return {
        kind: 'Lookup',
        lookup: c.lookupName,
        inputs,
        outputs: outputs.map((o) => ({ lookupField: typeof o.lookupOutputFieldName === 'string' ? o.lookupOutputFieldName : (o.fieldName as string), field: o.fieldName as string })),
        origin,
      };
    }
    default:
      return { kind: 'Other', type, outputs: outputs.map((o) => o.fieldName as string), origin };
  }
}

export function calculationOutputs(c: Calculation): string[] {
  switch (c.kind) {
    case 'Eval':
      return [c.output];
    case 'Lookup':
      return c.outputs.map((o) => o.field);
    default:
      return c.outputs;
  }
}

/** The datasets from the root down to `ds`. */
export function lineageOf(ds: Dataset): Dataset[] {
  const out: Dataset[] = [];
  for (let d: Dataset | undefined = ds; d; d = d.parent) out.unshift(d);
  return out;
}

/** `ds` and every dataset below it. */
export function subtree(ds: Dataset): Dataset[] {
  return [ds, ...ds.children.flatMap(subtree)];
}

/** The models of the loaded bundles, by name: a later bundle's model replaces an earlier one of the same name. */
export class DataModels {
  private readonly models = new Map<string, DataModel>();

  add(model: DataModel): void {
    this.models.set(model.name, model);
  }

  get(name: string): DataModel | undefined {
    return this.models.get(name);
  }

  names(): string[] {
    return [...this.models.keys()].sort();
  }

  get size(): number {
    return this.models.size;
  }
}

/** The lookup tables the loaded data models' Lookup calculations read. */
export function datamodelLookups(k: { datamodels: DataModels }): string[] {
  const models = k.datamodels.names().map((n) => k.datamodels.get(n)!);
  return models.flatMap((m) => [...m.datasets.values()].flatMap((d) => d.calculations.flatMap((c) => (c.kind === 'Lookup' ? [c.lookup] : []))));
}

/** What a name such as `Processes.process_name` refers to, seen from the datasets under `root`. */
export type FieldRef =
  | { kind: 'base'; name: string }
  | { kind: 'field'; dataset: Dataset; field: string }
  | { kind: 'problem'; message: string; hint?: string };

/**
 * Resolves a field name of a root dataset's events: a base field (`_time`, `sourcetype`…) or `<lineage>.<field>`
 * where the lineage names a dataset under `root` and the field is one that dataset defines. A field inherited from
 * an ancestor is named by the ancestor's lineage: under a child's lineage it is a problem whose hint says so.
 */
export function resolveField(root: Dataset, name: string): FieldRef {
  if (isBaseField(name)) return { kind: 'base', name };
  const parts = name.split('.');
  let ds: Dataset | undefined;
  let i = 0;
  if (parts[0] === root.name) {
    ds = root;
    i = 1;
    while (i < parts.length - 1) {
      const child: Dataset | undefined = ds.children.find((c) => c.name === parts[i]);
      if (!child) break;
      ds = child;
      i++;
    }
  }
  const model = root.model.name;
  if (!ds || i >= parts.length) {
    return {
      kind: 'problem',
      message: `'${name}' is not a field of the data model ${model}: its fields are named ${root.name}.<field> (or by a child dataset's path)`,
      hint: fieldHint(root, name),
    };
  }
  const field = parts.slice(i).join('.');
  if (ds.fields.has(field)) return { kind: 'field', dataset: ds, field };
  if (isBaseField(field)) return { kind: 'problem', message: `'${name}': ${field} is a field of every event and is named without a prefix`, hint: `use ${field}` };
  const owner = lineageOf(ds).reverse().find((d) => d.fields.has(field));
  if (owner) return { kind: 'problem', message: `'${name}': ${field} is a field of ${owner.lineage}, so it is named ${owner.lineage}.${field}`, hint: `use ${owner.lineage}.${field}` };
  return { kind: 'problem', message: `the dataset ${model}.${ds.lineage} has no field '${field}'`, hint: fieldHint(ds, field) };
}

/** A close spelling among a dataset's fields, for a hint. */
function fieldHint(ds: Dataset, wanted: string): string | undefined {
  const leaf = wanted.split('.').pop()!.toLowerCase();
  const all = subtree(lineageOf(ds)[0]).flatMap((d) => [...d.fields.keys()].map((f) => `${d.lineage}.${f}`));
  const near = all.filter((f) => f.toLowerCase().endsWith(`.${leaf}`) || f.toLowerCase() === wanted.toLowerCase());
  if (near.length > 0) return `did you mean ${near.slice(0, 3).join(', ')}?`;
  const sample = [...ds.fields.keys()].slice(0, 8).map((f) => `${ds.lineage}.${f}`);
  return sample.length > 0 ? `its fields include ${sample.join(', ')}` : undefined;
}

/** Finds a dataset by model and object name; a problem names what exists. */
export function findDataset(models: DataModels, modelName: string, datasetName: string | undefined): { dataset: Dataset } | { problem: string; hint?: string } {
  const model = models.get(modelName);
  if (!model) {
    const near = models.names().find((n) => n.toLowerCase() === modelName.toLowerCase());
    return {
      problem: `no data model named '${modelName}' is loaded`,
      hint: near ? `did you mean ${near}?` : `loaded data models: ${models.names().join(', ') || 'none'} (a bundle's default/data/models/*.json)`,
    };
  }
  if (datasetName === undefined) {
    if (model.roots.length === 1) return { dataset: model.roots[0] };
    return { problem: `the data model ${model.name} has ${model.roots.length} root datasets, so name one`, hint: model.roots.map((r) => `${model.name}.${r.name}`).join(', ') };
  }
  // `Root.Child.Grandchild` or a dataset's own name.
  const parts = datasetName.split('.');
  let ds = model.datasets.get(parts[parts.length - 1]);
  if (ds && parts.length > 1 && ds.lineage !== datasetName) ds = undefined;
  if (!ds) {
    const near = [...model.datasets.values()].find((d) => d.name.toLowerCase() === parts[parts.length - 1].toLowerCase());
    return { problem: `the data model ${model.name} has no dataset '${datasetName}'`, hint: near ? `did you mean ${model.name}.${near.lineage}?` : `its datasets: ${[...model.datasets.values()].map((d) => d.lineage).join(', ')}` };
  }
  return { dataset: ds };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function list(x: unknown, what: string, bad: (m: string) => DuckhuntError): unknown[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw bad(`"${what}" must be a list`);
  return x;
}
