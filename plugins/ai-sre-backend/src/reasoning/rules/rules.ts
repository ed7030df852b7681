/**
 * The root-cause rules: each encodes one piece of Kubernetes causality and
 * returns candidate explanations with a score (0..1, higher = better
 * supported and more specific) and the evidence it rests on. Scores follow
 * "the more specific wins": a rule that names a precise mechanism (a
 * missing Secret, a lowered memory limit, a probe-only release) scores
 * above the generic "a new revision misbehaves".
 */
import type {
  Change,
  ObjectRef,
  RootCauseCategory,
  Signal,
} from '@internal/plugin-ai-sre-common';
import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import {
  Facts,
  formatMi,
  humanGap,
  median,
  METRICS_PIPELINE,
  ms,
  numberField,
  RevisionShape,
  sameObject,
  shapeOf,
  stringField,
  Subject,
} from './facts';

export interface Candidate {
  category: RootCauseCategory;
  object: ObjectRef | null;
  /** Entity when the rule knows it better than the culprit does. */
  entityRef?: string | null;
  score: number;
  summary: string;
  signalIds: string[];
  changeIds: string[];
  facts: string[];
  /** The symptomatic workload this explains (for cascade adjustments). */
  subject?: string;
  /** True when the explanation rests on a change of the subject itself. */
  ownChange?: boolean;
}

export interface Rule {
  id: string;
  /** The causality, in one line (documentation and traces). */
  description: string;
  apply(facts: Facts): Candidate[];
}

/** The value of the first case that holds (a readable nested ternary). */
function choose<T>(cases: Array<[unknown, T]>, otherwise: T): T {
  return cases.find(([holds]) => holds)?.[1] ?? otherwise;
}

const ids = (signals: Signal[]) => signals.map(s => s.id);
const show = (ref: ObjectRef) => formatObjectRef(ref);

/** Linear decay of trust in a change with its distance before onset. */
function proximity(change: Change, onset: number): number {
  const gap = Math.max(0, onset - ms(change.at));
  if (gap <= 15 * 60_000) return 1;
  return Math.max(0.6, 1 - ((gap - 15 * 60_000) / (45 * 60_000)) * 0.4);
}

function gapPhrase(change: Change, onset: number): string {
  const gap = onset - ms(change.at);
  return gap >= 0 ? `${humanGap(gap)} after` : `as`;
}

function revisionLabel(change: Change): string {
  return change.revision ? `revision ${change.revision}` : 'a new revision';
}

/** Detectors by how directly they show what is wrong (most telling first). */
const TELLING = [
  'crash-loop',
  'oom-killed',
  'image-pull',
  'container-config',
  'pod-pending',
  'probe-failure',
  'error-rate',
  'latency',
  'cpu-throttling',
  'memory-spike',
  'rollout-stuck',
];

/** The most telling symptom of a subject (earliest among equals). */
function firstSymptom(subject: Subject): Signal {
  const rank = (s: Signal) =>
    TELLING.includes(s.detector) ? TELLING.indexOf(s.detector) : TELLING.length;
  return [...subject.signals].sort(
    (a, b) => rank(a) - rank(b) || ms(a.firstSeen) - ms(b.firstSeen),
  )[0];
}

/** `crash-loop (last log: Error: ...)`: a symptom and its telling detail. */
function symptomPhrase(signal: Signal): string {
  const lastLog = signal.evidence.logs
    .filter(l => l.previous)
    .flatMap(l => l.lines)
    .pop();
  const detail =
    stringField(signal, 'lastMessage') ??
    lastLog ??
    stringField(signal, 'waitingMessage');
  return `${signal.detector}${detail ? ` (${detail.slice(0, 160)})` : ''}`;
}

const AUTH_TEXT =
  /\b(401|403)\b|unauthori[sz]ed|forbidden|expired|x509|certificate (has expired|is not valid|verify)|invalid (token|credentials?|api key)|authentication failed|access denied|token (revoked|rejected)|\bpassword\b.{0,40}\b(failed|rejected|incorrect|invalid)\b|login failed/i;
const CONNECT_TEXT =
  /connection refused|ECONNREFUSED|timed? ?out|ETIMEDOUT|no route to host|unreachable|could not connect|connection reset|getaddrinfo|ENOTFOUND|name resolution|rate limit|\b429\b|\b50[234]\b/i;
/** A host name that is not a cluster service (`api.partner.com`). */
const EXTERNAL_HOST =
  /\b((?:[a-z0-9-]+\.)+(?:com|net|org|io|dev|cloud|co|example|eu|us|app|ai))\b/i;

// ---------------------------------------------------------------------------

/** An image that cannot be pulled: the pod never starts. Wrong tag/repo/access. */
const imagePull: Rule = {
  id: 'image-pull',
  description:
    "ErrImagePull/ImagePullBackOff on a workload's pods: the image reference (usually set by the latest revision) cannot be pulled.",
  apply(facts) {
    return facts.workloads().flatMap(subject => {
      const pulls = subject.signals.filter(s => s.detector === 'image-pull');
      if (!pulls.length) return [];
      const image = stringField(pulls[0], 'image') ?? 'its image';
      const revision = facts.revisionBefore(subject.ref, subject.onset);
      const shape = revision && shapeOf(revision);
      const cite = revision && (shape!.code || shape!.created);
      return [
        {
          category: 'image-pull',
          object: subject.ref,
          score: 0.93,
          subject: subject.key,
          ownChange: !!cite,
          summary: `Image ${image} of ${show(subject.ref)} cannot be pulled (${
            pulls[0].reason
          })${
            cite
              ? `; ${revisionLabel(revision!)} set it ${humanGap(
                  subject.onset - ms(revision!.at),
                )} before the first failure: ${revision!.summary}`
              : ''
          }`,
          signalIds: ids(pulls),
          changeIds: cite ? [revision!.id] : [],
          facts: [
            `image-pull signal: ${pulls[0].message}`,
            ...(cite ? [`change: ${revision!.summary}`] : []),
          ],
        },
      ];
    });
  },
};

/**
 * A Secret, ConfigMap or key that env/envFrom/volumes reference does not
 * exist: the kubelet refuses to create the container
 * (CreateContainerConfigError) or the volume mount fails.
 */
const missingConfig: Rule = {
  id: 'missing-config',
  description:
    'CreateContainerConfigError/FailedMount naming a missing Secret, ConfigMap or key: that object is the culprit.',
  apply(facts) {
    const out: Candidate[] = [];
    for (const subject of facts.workloads()) {
      const errors = subject.signals.filter(
        s => s.detector === 'container-config',
      );
      for (const signal of errors) {
        const kind = stringField(signal, 'missingKind');
        const name = stringField(signal, 'missingName');
        const key = stringField(signal, 'missingKey');
        const revision = facts.revisionBefore(subject.ref, subject.onset);
        if (!kind || !name) {
          // A config error that names no object: the new spec is broken.
          out.push({
            category: revision ? 'bad-deploy' : 'missing-config',
            object: subject.ref,
            score: revision ? 0.7 : 0.45,
            subject: subject.key,
            ownChange: !!revision,
            summary: `Containers of ${show(subject.ref)} cannot be created: ${
              stringField(signal, 'waitingMessage') ?? signal.reason
            }${
              revision
                ? ` (since ${revisionLabel(revision)}: ${revision.summary})`
                : ''
            }`,
            signalIds: [signal.id],
            changeIds: revision ? [revision.id] : [],
            facts: [signal.message],
          });
          continue;
        }
        const culprit = {
          kind,
          namespace: signal.object.namespace ?? subject.ref.namespace,
          name,
        };
        // Who removed it or who started referencing it?
        const deleted = facts
          .changesBefore(
            subject.onset,
            c =>
              sameObject(c.object, culprit) &&
              (c.kind === 'secret' || c.kind === 'config'),
          )
          .pop();
        const introduced =
          revision &&
          (revision.summary.includes(name) ||
            revision.diff.some(d =>
              JSON.stringify(d.after ?? '').includes(name),
            ))
            ? revision
            : undefined;
        out.push({
          category: 'missing-config',
          object: culprit,
          entityRef: facts.entityOf(subject.ref),
          score: 0.94,
          subject: subject.key,
          ownChange: !!introduced,
          summary: `${show(subject.ref)} references ${kind} ${name}${
            key ? ` key ${key}` : ''
          }, which does not exist: its new pods stay in ${
            signal.reason
          }${choose(
            [
              [
                introduced,
                `; ${
                  introduced ? revisionLabel(introduced) : ''
                } introduced the reference (${introduced?.summary})`,
              ],
              [
                deleted,
                `; the ${kind} changed ${humanGap(
                  subject.onset - ms(deleted?.at),
                )} before (${deleted?.summary})`,
              ],
            ],
            '',
          )}`,
          signalIds: [signal.id],
          changeIds: [introduced?.id, deleted?.id].filter(
            (x): x is string => !!x,
          ),
          facts: [
            `container-config signal: ${signal.message}`,
            ...(introduced ? [`change: ${introduced.summary}`] : []),
          ],
        });
      }
    }
    return out;
  },
};

/**
 * OOM kills. Killed soon after each start (or right after a revision lowered
 * the limit): the limit is below what the app needs (memory-limit). Killed
 * after a long run, or with a steadily growing working set: a leak.
 */
const outOfMemory: Rule = {
  id: 'out-of-memory',
  description:
    'OOMKilled containers: short runs or a lowered limit mean the limit is too low; long runs or steady growth mean a leak.',
  apply(facts) {
    const out: Candidate[] = [];
    for (const subject of facts.workloads()) {
      const ooms = subject.signals.filter(s => s.detector === 'oom-killed');
      const spikes = subject.signals.filter(s => s.detector === 'memory-spike');
      if (!ooms.length && !spikes.length) continue;
      const revision = facts.revisionBefore(subject.ref, subject.onset);
      const shape = revision ? shapeOf(revision) : undefined;
      const lowered =
        shape?.memoryLimit?.before !== undefined &&
        shape.memoryLimit.after !== undefined &&
        shape.memoryLimit.after < shape.memoryLimit.before;
      const runs = ooms
        .map(s => numberField(s, 'runSeconds'))
        .filter((x): x is number => x !== undefined);
      const run = median(runs);
      const limit = ooms
        .map(s => numberField(s, 'memoryLimitBytes'))
        .find(x => x !== undefined);
      const growing = spikes.some(s => grows(s));
      const base = {
        object: subject.ref,
        subject: subject.key,
        signalIds: ids([...ooms, ...spikes]),
        changeIds: lowered ? [revision!.id] : [],
      };
      const limitText = limit ? ` at its ${formatMi(limit)} limit` : '';
      if (!ooms.length) {
        // No kill yet: a working set that keeps growing is a leak in the making.
        if (growing) {
          out.push({
            ...base,
            category: 'memory-leak',
            score: 0.55,
            summary: `The working set of ${show(
              subject.ref,
            )} keeps growing towards its memory limit`,
            facts: spikes.map(s => s.message),
          });
        }
        continue;
      }
      const restarts = Math.max(
        ...ooms.map(s => numberField(s, 'restartCount') ?? 0),
      );
      const facts_ = [
        ...ooms.slice(0, 2).map(s => s.message),
        run !== undefined ? `median run before the kill: ${run} s` : '',
      ].filter(Boolean);
      if (lowered) {
        out.push({
          ...base,
          category: 'memory-limit',
          score: 0.95,
          ownChange: true,
          summary: `${revisionLabel(
            revision!,
          )} lowered the memory limit of ${show(subject.ref)} from ${formatMi(
            shape!.memoryLimit!.before!,
          )} to ${formatMi(
            shape!.memoryLimit!.after!,
          )}; its containers are OOM-killed${limitText} ${
            run !== undefined ? `${run} s after start` : 'soon after start'
          }`,
          facts: [...facts_, `change: ${revision!.summary}`],
        });
        continue;
      }
      const short = run === undefined ? restarts >= 2 : run < 180;
      const long = run !== undefined && run >= 600;
      if (short) {
        out.push({
          ...base,
          category: 'memory-limit',
          score: 0.9,
          summary: `${show(subject.ref)} is OOM-killed${limitText} ${
            run !== undefined
              ? `${run} s after each start`
              : 'soon after each start'
          } (${restarts} restarts): it needs more memory than its limit`,
          facts: facts_,
        });
        if (growing) {
          out.push({
            ...base,
            category: 'memory-leak',
            score: 0.4,
            summary: `The working set of ${show(
              subject.ref,
            )} grows until the OOM kill`,
            facts: facts_,
          });
        }
      } else {
        out.push({
          ...base,
          category: 'memory-leak',
          score: long || growing ? 0.88 : 0.65,
          summary: `${show(
            subject.ref,
          )} is OOM-killed${limitText} after running ${
            run !== undefined ? humanGap(run * 1000) : 'a long time'
          }${
            growing ? ' with a steadily growing working set' : ''
          }: memory grows until the limit is hit`,
          facts: facts_,
        });
        out.push({
          ...base,
          category: 'memory-limit',
          score: long ? 0.35 : 0.55,
          summary: `${show(
            subject.ref,
          )} is OOM-killed${limitText}; the limit may be below its steady need`,
          facts: facts_,
        });
      }
    }
    return out;
  },
};

/** A memory-spike series whose samples rise steadily. */
function grows(signal: Signal): boolean {
  const samples = signal.evidence.metrics[0]?.samples ?? [];
  if (samples.length < 4) return false;
  const first = samples[0][1];
  const last = samples[samples.length - 1][1];
  let rises = 0;
  for (let i = 1; i < samples.length; i++) {
    if (samples[i][1] > samples[i - 1][1]) rises++;
  }
  return last > first * 1.1 && rises >= (samples.length - 1) * 0.6;
}

/**
 * What changed just before a workload's first symptom explains it: a new
 * revision (code → bad-deploy; only env values → bad-config; only probes →
 * probe-misconfig; a lowered CPU limit → cpu-saturation), a ConfigMap it
 * reads (bad-config), a Secret it reads (credential when auth fails,
 * else bad-config).
 */
const recentChange: Rule = {
  id: 'recent-change',
  description:
    'A revision, ConfigMap or Secret change of a symptomatic workload shortly before its first symptom.',
  apply(facts) {
    const out: Candidate[] = [];
    for (const subject of facts.workloads()) {
      // Symptoms that a change can explain (not an autoscaler at max).
      const symptoms = subject.signals.filter(
        s => !['cpu-spike', 'hpa-limited'].includes(s.detector),
      );
      if (!symptoms.length) continue;
      const first = firstSymptom(subject);
      const text = facts.subjectText(subject);
      const revision = facts.revisionBefore(subject.ref, subject.onset);
      if (revision) {
        const shape = shapeOf(revision);
        const trust = proximity(revision, subject.onset);
        const lead = `${symptomPhrase(first)} on ${show(
          subject.ref,
        )} began ${gapPhrase(revision, ms(first.firstSeen))} ${revisionLabel(
          revision,
        )} (${revision.summary})`;
        const base = {
          object: subject.ref,
          subject: subject.key,
          ownChange: true,
          signalIds: ids(symptoms),
          changeIds: [revision.id],
          facts: [
            `change: ${revision.summary}`,
            `first symptom: ${first.message}`,
          ],
        };
        const category = revisionCategory(shape, subject);
        if (category) {
          out.push({
            ...base,
            category: category.category,
            score: category.score * trust,
            summary: `${lead}${category.why ? `: ${category.why}` : ''}`,
          });
        }
      }
      // A restart-only revision (`kubectl rollout restart`) changes nothing
      // itself: it is how a ConfigMap or Secret edit made before it reaches
      // new pods, so those edits still count.
      const since =
        revision && !restartOnly(shapeOf(revision))
          ? ms(revision.at)
          : -Infinity;
      for (const change of facts.changesBefore(
        subject.onset,
        c =>
          (c.kind === 'config' || c.kind === 'secret') &&
          ms(c.at) >= since &&
          facts.reads(c, subject.ref),
      )) {
        const trust = proximity(change, subject.onset);
        const auth = change.kind === 'secret' && AUTH_TEXT.test(text);
        out.push({
          category: auth ? 'credential' : 'bad-config',
          object: change.object,
          entityRef: facts.entityOf(subject.ref),
          score:
            choose(
              [
                [auth, 0.88],
                [change.kind === 'config', 0.82],
              ],
              0.6,
            ) * trust,
          subject: subject.key,
          ownChange: true,
          summary: `${symptomPhrase(first)} on ${show(
            subject.ref,
          )} began ${gapPhrase(change, ms(first.firstSeen))} ${
            change.object.kind
          } ${change.object.name} changed (${change.summary})${
            auth ? '; its logs show authentication failures' : ''
          }`,
          signalIds: ids(symptoms),
          changeIds: [change.id],
          facts: [
            `change: ${change.summary}`,
            `first symptom: ${first.message}`,
          ],
        });
      }
    }
    return out;
  },
};

/** A revision that only restarted the pods (a new restartedAt annotation). */
function restartOnly(shape: RevisionShape): boolean {
  return (
    shape.restart &&
    !shape.code &&
    !shape.created &&
    !shape.envValues.length &&
    !shape.envRefs.length &&
    !shape.probes &&
    !shape.requests &&
    !shape.scheduling &&
    !shape.volumes &&
    !shape.memoryLimit &&
    !shape.cpuLimit &&
    !shape.other.length
  );
}

/** The category a revision's shape points to, for the symptoms seen. */
function revisionCategory(
  shape: RevisionShape,
  subject: Subject,
): { category: RootCauseCategory; score: number; why?: string } | undefined {
  const detectors = new Set(subject.signals.map(s => s.detector));
  const probeOnly =
    shape.probes &&
    !shape.code &&
    !shape.created &&
    !shape.envValues.length &&
    !shape.envRefs.length &&
    !shape.other.length;
  if (probeOnly) {
    return {
      category: 'probe-misconfig',
      score: 0.92,
      why: 'the release changed only its probes',
    };
  }
  if (
    shape.cpuLimit?.after !== undefined &&
    shape.cpuLimit.before !== undefined &&
    shape.cpuLimit.after < shape.cpuLimit.before &&
    (detectors.has('cpu-throttling') ||
      detectors.has('latency') ||
      detectors.has('probe-failure'))
  ) {
    return {
      category: 'cpu-saturation',
      score: 0.88,
      why: 'it lowered the CPU limit and the containers are throttled',
    };
  }
  if (
    shape.envValues.length &&
    !shape.code &&
    !shape.created &&
    !shape.envRefs.length &&
    !shape.probes &&
    !shape.scheduling
  ) {
    return {
      category: 'bad-config',
      score: 0.84,
      why: `only configuration changed (env ${shape.envValues.join(
        ', ',
      )}), not the code`,
    };
  }
  if (shape.created) {
    // A brand-new workload has nothing to roll back to.
    return { category: 'bad-deploy', score: 0.5 };
  }
  if (
    shape.restart &&
    !shape.code &&
    !shape.envValues.length &&
    !shape.other.length
  ) {
    return undefined;
  }
  if (
    shape.scheduling &&
    !shape.code &&
    detectors.size === 1 &&
    detectors.has('pod-pending')
  ) {
    return undefined; // the pending rule names the constraint
  }
  return { category: 'bad-deploy', score: 0.85 };
}

/** Crash loops and probe failures no change explains: read their messages. */
const crashAndProbes: Rule = {
  id: 'crash-and-probes',
  description:
    'Crash loops and failing probes without a change: wrong probe path/port/timing, CPU starvation, auth or external failures in logs.',
  apply(facts) {
    const out: Candidate[] = [];
    for (const subject of facts.workloads()) {
      const crashes = subject.signals.filter(s => s.detector === 'crash-loop');
      const probes = subject.signals.filter(
        s => s.detector === 'probe-failure',
      );
      const throttled = subject.signals.filter(
        s => s.detector === 'cpu-throttling' || s.detector === 'latency',
      );
      if (!crashes.length && !probes.length) continue;
      const text = facts.subjectText(subject);
      const all = [...crashes, ...probes];
      const base = { object: subject.ref, subject: subject.key, changeIds: [] };
      // The app itself exits (not a liveness kill).
      const exits = crashes.filter(
        s =>
          (numberField(s, 'lastExitCode') ?? 0) !== 137 ||
          stringField(s, 'lastReason') !== 'Error',
      );
      const liveness = probes.filter(
        s => stringField(s, 'probe') === 'liveness',
      );
      const probeText = probes
        .map(s => stringField(s, 'lastMessage') ?? '')
        .join('\n');
      if (AUTH_TEXT.test(text) && (crashes.length || probes.length)) {
        out.push({
          ...base,
          category: 'credential',
          score: 0.72,
          summary: `${show(
            subject.ref,
          )} fails with authentication errors in its logs (${firstLine(
            text,
            AUTH_TEXT,
          )}): a credential, certificate or token is no longer valid`,
          signalIds: ids(all),
          facts: [firstLine(text, AUTH_TEXT)],
        });
      }
      const external = externalHost(text);
      if (external && CONNECT_TEXT.test(text)) {
        out.push({
          ...base,
          category: 'external',
          score: 0.62,
          summary: `${show(
            subject.ref,
          )} fails talking to ${external}, outside the cluster (${firstLine(
            text,
            CONNECT_TEXT,
          )})`,
          signalIds: ids(all),
          facts: [firstLine(text, CONNECT_TEXT)],
        });
      }
      if (
        throttled.length &&
        probes.length &&
        /timeout|deadline|timed out/i.test(probeText)
      ) {
        out.push({
          ...base,
          category: 'cpu-saturation',
          score: 0.82,
          summary: `${show(
            subject.ref,
          )} is CPU-throttled and its probes time out (${probes[0].message})`,
          signalIds: ids([...throttled, ...probes]),
          facts: throttled.slice(0, 2).map(s => s.message),
        });
      }
      // Probes that time out on a throttled container are starved of CPU
      // (above), not misconfigured: failures while it started (connection
      // refused) say nothing about the probe either.
      const starved =
        throttled.length > 0 && /timeout|deadline|timed out/i.test(probeText);
      if (probes.length && !exits.length && !starved) {
        // The app runs; only the probe fails. Why, by the kubelet's message?
        const status = /statuscode: (\d+)/.exec(probeText)?.[1];
        const refused = /connection refused|no such port|connect: /i.test(
          probeText,
        );
        const timeout = /timeout|deadline|timed out/i.test(probeText);
        let score = 0;
        let why = '';
        if (status === '404') {
          score = 0.78;
          why = `the probe path ${
            stringField(probes[0], 'httpPath') ?? ''
          } answers 404`;
        } else if (refused) {
          score = 0.72;
          why = `nothing listens on probe port ${String(
            probes[0].evidence.fields.port ?? '',
          )}`;
        } else if (timeout && !throttled.length) {
          score = 0.6;
          why = `the probe times out after ${
            numberField(probes[0], 'timeoutSeconds') ?? 1
          } s`;
        } else if (liveness.length && crashes.length) {
          score = 0.5;
          why = 'liveness kills a running container';
        }
        if (score) {
          out.push({
            ...base,
            category: 'probe-misconfig',
            score,
            summary: `${show(subject.ref)} ${
              liveness.length
                ? 'is killed by its liveness probe'
                : 'never becomes Ready'
            }: ${why}`,
            signalIds: ids(all),
            facts: probes.slice(0, 2).map(s => s.message),
          });
        }
      }
      // Nothing more specific: the workload itself is broken (weak).
      out.push({
        ...base,
        category: 'bad-deploy',
        score: exits.length ? 0.3 : 0.2,
        summary: `${show(subject.ref)} ${
          exits.length
            ? `keeps exiting (${crashes[0].message})`
            : `fails its probes (${probes[0].message})`
        }, with no change seen before`,
        signalIds: ids(all),
        facts: all.slice(0, 2).map(s => s.message),
      });
    }
    return out;
  },
};

function firstLine(text: string, pattern: RegExp): string {
  return (
    text
      .split('\n')
      .find(line => pattern.test(line))
      ?.slice(0, 200) ?? ''
  );
}

function externalHost(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const match = EXTERNAL_HOST.exec(line);
    if (
      match &&
      !/\.svc\b|cluster\.local|ghcr\.io|docker\.io|gcr\.io|quay\.io|registry/i.test(
        match[1],
      ) &&
      CONNECT_TEXT.test(line)
    ) {
      return match[1];
    }
  }
  return undefined;
}

/** Pods the scheduler cannot place: its message says why. */
const pending: Rule = {
  id: 'pending',
  description:
    'Pending pods: Insufficient cpu/memory/pods → capacity (or impossible requests from a revision); selector/affinity/taint → constraint; unbound claims → storage.',
  apply(facts) {
    const out: Candidate[] = [];
    for (const subject of facts.workloads()) {
      const pendings = subject.signals.filter(
        s => s.detector === 'pod-pending',
      );
      if (!pendings.length) continue;
      const message =
        stringField(pendings[0], 'schedulerMessage') ?? pendings[0].message;
      const revision = facts.revisionBefore(subject.ref, subject.onset);
      const shape = revision ? shapeOf(revision) : undefined;
      const base = {
        object: subject.ref,
        subject: subject.key,
        signalIds: ids(pendings),
        facts: [`scheduler: ${message}`],
      };
      const nodeTaint =
        /node\.kubernetes\.io\/(memory|disk|pid)-pressure/i.exec(message);
      const unreachable = /node\.kubernetes\.io\/(unreachable|not-ready)/i.test(
        message,
      );
      if (/Insufficient|Too many pods|pod slots|exceed/i.test(message)) {
        const raised =
          shape &&
          (shape.requests ||
            (shape.created === false &&
              shape.code === false &&
              shape.requests));
        if (raised) {
          out.push({
            ...base,
            category: 'bad-deploy',
            score: 0.8,
            ownChange: true,
            changeIds: [revision!.id],
            summary: `Pods of ${show(
              subject.ref,
            )} stay Pending (${message}) since ${revisionLabel(
              revision!,
            )} changed their resource requests (${revision!.summary})`,
          });
        }
        out.push({
          ...base,
          category: 'insufficient-capacity',
          score: raised ? 0.5 : 0.86,
          changeIds: [],
          summary: `Pods of ${show(
            subject.ref,
          )} stay Pending: the nodes are full (${message})`,
        });
      } else if (nodeTaint) {
        out.push({
          ...base,
          category: 'node-pressure',
          score: 0.7,
          changeIds: [],
          summary: `Pods of ${show(
            subject.ref,
          )} cannot be scheduled: nodes are tainted for ${
            nodeTaint[1]
          } pressure (${message})`,
        });
      } else if (unreachable) {
        out.push({
          ...base,
          category: 'node-failure',
          score: 0.6,
          changeIds: [],
          summary: `Pods of ${show(
            subject.ref,
          )} cannot be scheduled: nodes are not ready (${message})`,
        });
      } else if (
        // Before the constraints: every scheduler message ends with a
        // "preemption: ..." note that would read as one.
        /PersistentVolumeClaim|volume|pvc/i.test(message)
      ) {
        const claims = pendings[0].evidence.fields.volumes;
        const claim =
          Array.isArray(claims) && typeof claims[0] === 'string'
            ? claims[0]
            : undefined;
        out.push({
          ...base,
          category: 'storage',
          object: claim
            ? {
                kind: 'PersistentVolumeClaim',
                namespace: subject.ref.namespace,
                name: claim,
              }
            : subject.ref,
          entityRef: facts.entityOf(subject.ref),
          score: 0.85,
          changeIds: [],
          summary: `Pods of ${show(subject.ref)} wait for their volume${
            claim ? ` ${claim}` : ''
          } (${message})`,
        });
      } else if (
        /affinity|selector|taint|toleration|topology|spread|preempt|unschedulable|didn't match/i.test(
          message,
        )
      ) {
        const introduced = shape?.scheduling ? revision : undefined;
        out.push({
          ...base,
          category: 'scheduling-constraint',
          score: introduced ? 0.92 : 0.85,
          ownChange: !!introduced,
          changeIds: introduced ? [introduced.id] : [],
          summary: `Pods of ${show(subject.ref)} fit no node (${message})${
            introduced
              ? `; ${revisionLabel(introduced)} changed where they may run (${
                  introduced.summary
                })`
              : ''
          }`,
        });
      } else {
        out.push({
          ...base,
          category: 'insufficient-capacity',
          score: 0.45,
          changeIds: [],
          summary: `Pods of ${show(subject.ref)} stay Pending (${message})`,
        });
      }
    }
    return out;
  },
};

/** Admission refuses pods: a ResourceQuota, a LimitRange or a webhook. */
const admission: Rule = {
  id: 'admission',
  description:
    'FailedCreate from a ResourceQuota or LimitRange (quota-exceeded), or from an admission webhook (dependency-failure).',
  apply(facts) {
    return facts.signals('quota-rejected').map(signal => {
      const message =
        stringField(signal, 'failedCreateMessage') ?? signal.message;
      const quota = stringField(signal, 'quota');
      const workload = signal.workload;
      const entityRef =
        facts.entityOf(workload) ?? signal.entityRefs[0] ?? null;
      const webhook = /admission webhook|webhook/i.test(message);
      // A revision of the workload that raised what its pods ask for, just
      // before the refusals, brought them on: rolling it back admits pods.
      const revision = facts.revisionBefore(workload, ms(signal.firstSeen));
      const raised =
        revision && !webhook && raisesResources(shapeOf(revision))
          ? revision
          : undefined;
      return {
        category: webhook ? 'dependency-failure' : 'quota-exceeded',
        object: quota
          ? {
              kind: 'ResourceQuota',
              namespace: signal.object.namespace,
              name: quota,
            }
          : workload,
        entityRef,
        score: choose(
          [
            [webhook, 0.75],
            [quota, 0.93],
          ],
          0.85,
        ),
        subject: formatObjectRef(workload),
        ownChange: !!raised,
        summary: `${show(workload)} cannot create pods: ${message}${
          raised
            ? ` (since ${revisionLabel(raised)} changed its resources: ${
                raised.summary
              })`
            : ''
        }`,
        signalIds: [signal.id],
        changeIds: raised ? [raised.id] : [],
        facts: [
          `FailedCreate: ${message}`,
          ...(raised ? [`change: ${raised.summary}`] : []),
        ],
      } satisfies Candidate;
    });
  },
};

/** A revision that asks for more CPU or memory (requests or limits). */
function raisesResources(shape: RevisionShape): boolean {
  const up = (r?: { before?: number; after?: number }) =>
    !!r &&
    r.after !== undefined &&
    (r.before === undefined || r.after > r.before);
  return (
    !shape.created &&
    (shape.requests || up(shape.memoryLimit) || up(shape.cpuLimit))
  );
}

/** Pods on a given node, mapped to their workloads and entities. */
function entitiesOnNode(facts: Facts, node: string, pods: string[]): string[] {
  const entities: string[] = [];
  const known = [
    ...facts.group.signals.map(s => s.workload),
    ...facts.context.dependencies.flatMap(l => [l.from, ...l.to]),
    ...facts.changes
      .filter(c => c.kind === 'workload-revision')
      .map(c => c.object),
  ];
  for (const signal of facts.group.signals) {
    if (
      signal.evidence.fields.nodeName === node &&
      signal.entityRefs[0] &&
      signal.detector !== 'node-not-ready'
    ) {
      entities.push(signal.entityRefs[0]);
    }
  }
  for (const pod of pods) {
    const [namespace, name] = pod.includes('/')
      ? pod.split('/')
      : [undefined, pod];
    const owner = known
      .filter(
        w =>
          (!namespace || !w.namespace || w.namespace === namespace) &&
          name.startsWith(`${w.name}-`),
      )
      .sort((a, b) => b.name.length - a.name.length)[0];
    const entity = owner && facts.entityOf(owner);
    if (entity) entities.push(entity);
  }
  return entities;
}

function mostCommon(values: string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/**
 * A node that stops reporting Ready takes its pods with it (unreachable,
 * then evicted after 5 min); pressure conditions make the kubelet evict.
 */
const nodes: Rule = {
  id: 'nodes',
  description:
    'NotReady/unreachable node → node-failure; Memory/Disk/PID pressure or evictions from a node → node-pressure. Culprit the Node.',
  apply(facts) {
    const out: Candidate[] = [];
    for (const signal of facts.signals('node-not-ready')) {
      const pods = (signal.evidence.fields.pods as string[] | undefined) ?? [];
      const entity =
        mostCommon(entitiesOnNode(facts, signal.object.name, pods)) ??
        facts.mostAffectedEntity();
      out.push({
        category: 'node-failure',
        object: { kind: 'Node', name: signal.object.name },
        entityRef: entity,
        score: 0.95,
        summary: `Node ${signal.object.name} stopped reporting Ready (${
          signal.reason
        }) with ${signal.evidence.fields.podsOnNode ?? pods.length} pods on it${
          pods.length ? ` (${pods.slice(0, 3).join(', ')})` : ''
        }`,
        signalIds: [signal.id],
        changeIds: facts.changes
          .filter(
            c =>
              c.kind === 'node-condition' &&
              c.object.name === signal.object.name,
          )
          .map(c => c.id),
        facts: [signal.message],
      });
    }
    const pressure = facts.signals('node-pressure');
    const evictions = facts.signals('eviction');
    const byNode = new Map<string, Signal[]>();
    for (const s of pressure)
      byNode.set(s.object.name, [...(byNode.get(s.object.name) ?? []), s]);
    for (const s of evictions) {
      const node = stringField(s, 'nodeName');
      if (node) byNode.set(node, [...(byNode.get(node) ?? []), s]);
    }
    for (const [node, signals] of byNode) {
      const conditions = signals.filter(s => s.detector === 'node-pressure');
      const evicted = signals.filter(s => s.detector === 'eviction');
      const network =
        conditions.every(s => s.reason === 'NetworkUnavailable') &&
        conditions.length > 0;
      const entity =
        mostCommon(evicted.flatMap(s => s.entityRefs.slice(0, 1))) ??
        mostCommon(entitiesOnNode(facts, node, [])) ??
        facts.mostAffectedEntity();
      out.push({
        category: network ? 'node-failure' : 'node-pressure',
        object: { kind: 'Node', name: node },
        entityRef: entity,
        score: choose(
          [
            [conditions.length && network, 0.75],
            [conditions.length, 0.92],
          ],
          0.8,
        ),
        summary: `Node ${node} ${
          conditions.length
            ? `reports ${conditions.map(s => s.reason).join(', ')}`
            : 'evicts pods'
        }${
          evicted.length
            ? `; ${evicted.length} pod(s) evicted (${
                stringField(evicted[0], 'statusMessage') ?? ''
              })`
            : ''
        }`,
        signalIds: ids(signals),
        changeIds: facts.changes
          .filter(c => c.kind === 'node-condition' && c.object.name === node)
          .map(c => c.id),
        facts: signals.slice(0, 3).map(s => s.message),
      });
    }
    return out;
  },
};

/**
 * An autoscaler at its maximum that wants more: demand outgrew the
 * ceiling (traffic-surge; the throttling and latency are consequences).
 * One that cannot read metrics depends on the metrics pipeline.
 */
const autoscalers: Rule = {
  id: 'autoscalers',
  description:
    'HPA AtMaxReplicas → traffic-surge (culprit the HPA); FailedGetResourceMetric → dependency-failure of metrics-server.',
  apply(facts) {
    const out: Candidate[] = [];
    for (const signal of facts.signals('hpa-limited')) {
      const target = signal.evidence.fields.target as
        | { kind?: string; name?: string }
        | undefined;
      const targetRef: ObjectRef | null =
        target?.kind && target.name
          ? {
              kind: target.kind,
              namespace: signal.object.namespace,
              name: target.name,
            }
          : null;
      const entity = facts.entityOf(targetRef) ?? facts.mostAffectedEntity();
      const targetSubject = targetRef ? facts.subjectOf(targetRef) : undefined;
      const hpa = {
        kind: 'HorizontalPodAutoscaler',
        namespace: signal.object.namespace,
        name: signal.object.name,
      };
      if (signal.reason === 'AtMaxReplicas') {
        const consequences =
          targetSubject?.signals.filter(s =>
            [
              'cpu-throttling',
              'latency',
              'cpu-spike',
              'error-rate',
              'probe-failure',
            ].includes(s.detector),
          ) ?? [];
        const revision = targetRef
          ? facts.revisionBefore(targetRef, ms(signal.firstSeen))
          : undefined;
        const codeChange =
          revision &&
          shapeOf(revision).code &&
          ms(signal.firstSeen) - ms(revision.at) < 15 * 60_000;
        const f = signal.evidence.fields;
        out.push({
          category: 'traffic-surge',
          object: hpa,
          entityRef: entity,
          score: codeChange ? 0.6 : 0.9,
          subject: targetRef ? formatObjectRef(targetRef) : undefined,
          summary: `Autoscaler ${signal.object.name} is at its maximum of ${
            f.maxReplicas
          } replicas and wants more (${utilization(signal)})${
            consequences.length
              ? `; ${targetRef?.name} is ${[
                  ...new Set(consequences.map(s => s.detector)),
                ].join(', ')} as a consequence`
              : ''
          }`,
          signalIds: ids([signal, ...consequences]),
          changeIds: [],
          facts: [
            signal.message,
            ...consequences.slice(0, 2).map(s => s.message),
          ],
        });
      } else if (
        /metric/i.test(signal.reason) ||
        /metric/i.test(signal.message)
      ) {
        const metricsServer = facts
          .workloads()
          .find(s => METRICS_PIPELINE.test(s.ref.name));
        const culprit = metricsServer?.ref ?? {
          kind: 'Deployment',
          namespace: 'kube-system',
          name: 'metrics-server',
        };
        out.push({
          category: 'dependency-failure',
          object: culprit,
          entityRef: facts.entityOf(culprit) ?? entity,
          score: metricsServer ? 0.88 : 0.7,
          summary: `Autoscaler ${signal.object.name} cannot read its metrics (${
            signal.reason
          }): the metrics pipeline (${formatObjectRef(
            culprit,
          )}) is not serving`,
          signalIds: ids([signal, ...(metricsServer?.signals ?? [])]),
          changeIds: [],
          facts: [signal.message],
        });
      } else {
        out.push({
          category: 'bad-config',
          object: hpa,
          entityRef: entity,
          score: 0.5,
          summary: `Autoscaler ${signal.object.name} cannot scale: ${signal.message}`,
          signalIds: [signal.id],
          changeIds: [],
          facts: [signal.message],
        });
      }
    }
    return out;
  },
};

function utilization(signal: Signal): string {
  const current = (
    signal.evidence.fields.currentMetrics as any[] | undefined
  )?.[0]?.resource?.current?.averageUtilization;
  const target = (signal.evidence.fields.metrics as any[] | undefined)?.[0]
    ?.resource?.target?.averageUtilization;
  return current !== undefined && target !== undefined
    ? `CPU at ${current}% of requests against a ${target}% target`
    : signal.message;
}

/**
 * CPU throttling (or latency) without an autoscaler at its maximum: the
 * CPU limit, or a busy node, starves the workload.
 */
const cpu: Rule = {
  id: 'cpu',
  description:
    'CPU-throttled containers or latency without an HPA at max: cpu-saturation of the workload.',
  apply(facts) {
    const atMax = facts
      .signals('hpa-limited', /AtMaxReplicas/)
      .map(s => (s.evidence.fields.target as any)?.name as string | undefined);
    return facts.workloads().flatMap(subject => {
      if (atMax.includes(subject.ref.name)) return [];
      const throttled = subject.signals.filter(
        s => s.detector === 'cpu-throttling',
      );
      const latency = subject.signals.filter(s => s.detector === 'latency');
      const spikes = subject.signals.filter(s => s.detector === 'cpu-spike');
      if (!throttled.length && !latency.length) return [];
      const ratio = Math.max(
        0,
        ...throttled.map(s => numberField(s, 'throttledRatio') ?? 0),
      );
      return [
        {
          category: 'cpu-saturation' as const,
          object: subject.ref,
          subject: subject.key,
          score: throttled.length ? 0.7 + Math.min(0.15, ratio * 0.2) : 0.35,
          summary: throttled.length
            ? `${show(subject.ref)} is CPU-throttled in ${Math.round(
                ratio * 100,
              )}% of its periods${
                latency.length ? ' and its latency rose' : ''
              } (limit ${
                numberField(throttled[0], 'cpuLimitCores') ?? '?'
              } cores)`
            : `${show(subject.ref)} answers slowly (${latency[0].message})`,
          signalIds: ids([...throttled, ...latency, ...spikes]),
          changeIds: [],
          facts: [...throttled, ...latency].slice(0, 3).map(s => s.message),
        },
      ];
    });
  },
};

/** Volumes: claims that cannot bind, or that fill up. */
const storage: Rule = {
  id: 'storage',
  description:
    'PVC Pending (provisioning/binding failed) or nearly full: storage, culprit the claim.',
  apply(facts) {
    return [
      ...facts.signals('pvc-pending'),
      ...facts.signals('pvc-filling'),
      ...facts
        .signals('container-config', /FailedMount/)
        .filter(s => !stringField(s, 'missingName')),
    ].map(signal => {
      const claim =
        signal.object.kind === 'PersistentVolumeClaim'
          ? signal.object
          : signal.workload;
      const entity =
        facts.entityOf(claim) ??
        claimEntity(facts, claim) ??
        facts.mostAffectedEntity();
      return {
        category: 'storage' as const,
        object: claim,
        entityRef: entity,
        score: signal.detector === 'container-config' ? 0.7 : 0.9,
        summary: signal.message,
        signalIds: [signal.id],
        changeIds: [],
        facts: [signal.message],
      };
    });
  },
};

/** A StatefulSet claim is `<template>-<statefulset>-<ordinal>`; pods list their claims. */
function claimEntity(facts: Facts, claim: ObjectRef): string | null {
  for (const signal of facts.signals('pod-pending')) {
    const volumes = signal.evidence.fields.volumes;
    if (Array.isArray(volumes) && volumes.includes(claim.name)) {
      return facts.entityOf(signal.workload);
    }
  }
  for (const subject of facts.workloads()) {
    if (new RegExp(`-${subject.ref.name}-\\d+$`).test(claim.name)) {
      return facts.entityOf(subject.ref);
    }
  }
  return null;
}

/** Jobs that fail (back-off limit, deadline); culprit the CronJob if any. */
const jobs: Rule = {
  id: 'jobs',
  description:
    'A failed Job (or crash-looping Job pods): job-failure, culprit the CronJob or Job.',
  apply(facts) {
    const out: Candidate[] = [];
    for (const subject of facts.workloads()) {
      if (subject.ref.kind !== 'CronJob' && subject.ref.kind !== 'Job')
        continue;
      const failed = subject.signals.filter(s => s.detector === 'job-failed');
      const crashes = subject.signals.filter(
        s => s.detector === 'crash-loop' || s.detector === 'oom-killed',
      );
      if (!failed.length && !crashes.length) continue;
      out.push({
        category: 'job-failure',
        object: subject.ref,
        subject: subject.key,
        score: failed.length ? 0.9 : 0.7,
        summary: `${show(subject.ref)} fails: ${
          (failed[0] ?? crashes[0]).message
        }`,
        signalIds: ids([...failed, ...crashes]),
        changeIds: [],
        facts: [...failed, ...crashes].slice(0, 3).map(s => s.message),
      });
    }
    return out;
  },
};

/**
 * A Service whose selector or ports changed (or that was deleted) just
 * before its callers failed: the callers lost their endpoints.
 */
const services: Rule = {
  id: 'services',
  description:
    'Service selector/port change or deletion shortly before symptoms: bad-config, culprit the Service.',
  apply(facts) {
    const onset = facts.group.startedAt;
    return facts
      .changesBefore(
        onset,
        // Edits and deletions of an existing Service, not its creation.
        c =>
          c.kind === 'service' &&
          !c.diff.some(d => d.path === 'spec' && d.before === undefined),
      )
      .map(change => {
        const target = change.entityRefs[0];
        const callers = facts.context.dependencies.filter(l =>
          target ? l.toEntityRefs.includes(target) : false,
        );
        const affected = callers.filter(l => facts.subjectOf(l.from));
        return {
          category: 'bad-config' as const,
          object: change.object,
          entityRef: target ?? facts.mostAffectedEntity(),
          score: (affected.length ? 0.86 : 0.62) * proximity(change, onset),
          summary: `Symptoms began ${humanGap(
            onset - ms(change.at),
          )} after Service ${change.object.name} changed (${change.summary})${
            affected.length
              ? `; its callers ${affected
                  .map(l => l.from.name)
                  .join(', ')} fail`
              : ''
          }`,
          signalIds: ids(
            affected.flatMap(l => facts.subjectOf(l.from)?.signals ?? []),
          ),
          changeIds: [change.id],
          facts: [`change: ${change.summary}`],
        };
      });
  },
};

/**
 * Cluster add-on configuration (kube-system ConfigMaps such as CoreDNS)
 * changed shortly before many workloads failed.
 */
const addOnConfig: Rule = {
  id: 'add-on-config',
  description:
    'A kube-system ConfigMap change shortly before symptoms: bad-config of a cluster add-on.',
  apply(facts) {
    const onset = facts.group.startedAt;
    return facts
      .changesBefore(
        onset,
        c => c.kind === 'config' && c.object.namespace === 'kube-system',
      )
      .map(change => ({
        category: 'bad-config' as const,
        object: change.object,
        entityRef: facts.mostAffectedEntity(),
        score: 0.6 * proximity(change, onset),
        summary: `Symptoms began ${humanGap(
          onset - ms(change.at),
        )} after cluster add-on config ${change.object.name} changed (${
          change.summary
        })`,
        signalIds: [],
        changeIds: [change.id],
        facts: [`change: ${change.summary}`],
      }));
  },
};

/**
 * Error rates no change explains, with healthy in-cluster dependencies:
 * something between (a network policy) or outside the cluster.
 */
const unexplainedErrors: Rule = {
  id: 'unexplained-errors',
  description:
    'Errors with no change and healthy dependencies: network (in-cluster callees) or external (none, or an external host named).',
  apply(facts) {
    const out: Candidate[] = [];
    for (const subject of facts.workloads()) {
      const errors = subject.signals.filter(
        s => s.detector === 'error-rate' || s.detector === 'latency',
      );
      if (!errors.length) continue;
      const deps = facts.dependenciesOf(subject.ref);
      const failingDeps = deps.filter(d => facts.subjectOf(d));
      if (failingDeps.length) continue; // the cascade rule explains it
      const text = facts.subjectText(subject);
      const host = externalHost(text);
      const policy = facts.changesBefore(
        subject.onset,
        c =>
          /NetworkPolicy/i.test(c.object.kind) ||
          /network ?policy/i.test(c.summary),
      );
      const base = {
        object: subject.ref,
        subject: subject.key,
        signalIds: ids(errors),
        facts: errors.slice(0, 2).map(s => s.message),
      };
      if (deps.length || policy.length) {
        out.push({
          ...base,
          category: 'network',
          object: policy[0]?.object ?? subject.ref,
          entityRef: facts.entityOf(subject.ref),
          score: policy.length ? 0.75 : 0.3,
          changeIds: policy.map(c => c.id),
          summary: `${show(subject.ref)} fails (${
            errors[0].message
          }) while the services it calls (${deps
            .map(d => d.name)
            .join(', ')}) look healthy: traffic between them may be blocked`,
        });
      }
      out.push({
        ...base,
        category: 'external',
        score: choose(
          [
            [host, 0.6],
            [deps.length, 0.25],
          ],
          0.35,
        ),
        changeIds: [],
        summary: `${show(subject.ref)} fails (${
          errors[0].message
        }) with no change in the cluster and healthy in-cluster dependencies${
          host ? `; it reports errors from ${host}` : ''
        }: the cause is likely outside the cluster`,
      });
    }
    return out;
  },
};

/** The rules, in no particular order: the scores rank them. */
export const RULES: Rule[] = [
  imagePull,
  missingConfig,
  outOfMemory,
  recentChange,
  crashAndProbes,
  pending,
  admission,
  nodes,
  autoscalers,
  cpu,
  storage,
  jobs,
  services,
  addOnConfig,
  unexplainedErrors,
];
