import { loadScenarioDir, parseScenario } from '/work/main/packages/k8s-sandbox/src/scenario';
const all = loadScenarioDir('/work/main/packages/k8s-sandbox/scenarios/examples');
for (const s of all) console.log(s.id, s.duration, s.cluster.nodes.length, s.cluster.objects.length, Object.keys(s.images).length, s.timeline.map(t => t.kind + '@' + t.at), s.expect?.rootCause.category);
console.log(JSON.stringify(all[1].images['postgres:16.3']), JSON.stringify(all[1].timeline[0]).slice(0, 400));
