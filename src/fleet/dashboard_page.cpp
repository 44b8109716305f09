// GET /: the dashboard, one self-contained HTML page (no CDN, no build step). Its script
// reads the admin token from the URL fragment (#token=..., never sent to the server) or
// localStorage, fetches the admin JSON APIs and draws: the devices + versions table,
// rollout progress bars, and inline SVG line charts over time of p50 latency (status
// reports and latency_hist telemetry), input drift (PSI from drift telemetry) and shadow
// top-1 agreement (status reports and shadow telemetry). It refreshes every 5 s. The page itself holds no data, so
// serving it without authentication reveals nothing.
#include "fleet/api_util.hpp"

namespace wisp::fleet {
namespace {

constexpr const char* kDashboardHtml = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wisp fleet</title>
<style>
body{font:14px system-ui,sans-serif;margin:20px;background:#f6f7f9;color:#1d2330}
h1{font-size:22px;margin:0 0 12px} h2{font-size:16px;margin:18px 0 8px}
.card{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:12px 16px;margin-bottom:14px}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2}
th{background:#eef1f6} .state-serving{color:#17803d;font-weight:600} .state-health_failed,.state-rolled_back{color:#c0262d;font-weight:600}
.bar{background:#e4e7ec;border-radius:4px;height:16px;width:320px;display:inline-block;vertical-align:middle}
.bar>div{background:#2f6fdf;height:16px;border-radius:4px} .bar.rolled_back>div,.bar.halted>div{background:#c0262d}
.bar.completed>div{background:#17803d}
.charts{display:flex;gap:14px;flex-wrap:wrap} .charts .card{flex:1;min-width:360px}
svg{background:#fff;width:100%;height:auto} .legend span{margin-right:12px} #error{color:#c0262d}
</style></head>
<body>
<h1>Wisp fleet</h1>
<div id="error"></div>
<div class="card"><h2>Devices and versions</h2>
<table id="devices"><thead><tr><th>device</th><th>group</th><th>hardware</th><th>state</th><th>active version</th>
<th>assigned</th><th>p50 ms</th><th>p99 ms</th><th>error rate</th><th>shadow agreement</th><th>last seen</th></tr></thead>
<tbody></tbody></table></div>
<div class="card"><h2>Rollouts</h2><div id="rollouts"></div></div>
<div class="charts">
<div class="card"><h2>Latency p50 (ms) over time</h2><svg id="latency-chart" class="chart" viewBox="0 0 560 220" data-w="560" data-h="220"></svg><div class="legend" id="latency-legend"></div></div>
<div class="card"><h2>Input drift (PSI) over time</h2><svg id="drift-chart" class="chart" viewBox="0 0 560 220" data-w="560" data-h="220"></svg><div class="legend" id="drift-legend"></div></div>
<div class="card"><h2>Shadow agreement (top-1) over time</h2><svg id="shadow-chart" class="chart" viewBox="0 0 560 220" data-w="560" data-h="220"></svg><div class="legend" id="shadow-legend"></div></div>
</div>
<script>
const COLORS=['#2f6fdf','#e5522d','#17803d','#9b4dca','#d69e00','#0f9db3','#c0262d','#555'];
function token(){const m=location.hash.match(/token=([^&]+)/);if(m){localStorage.setItem('wispToken',decodeURIComponent(m[1]));}
 return localStorage.getItem('wispToken')||'';}
async function api(path){const r=await fetch(path,{headers:{Authorization:'Bearer '+token()}});
 if(!r.ok)throw new Error(path+': '+r.status+' '+(await r.text()));return r.json();}
function esc(s){return String(s==null?'':s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
function fmt(x,d){return x==null?'':Number(x).toFixed(d);}
function ago(t){if(!t)return 'never';const s=Math.max(0,Math.round(Date.now()/1000-t));return s+' s ago';}
function drawChart(id,series){ // series: {name:[[t,v],...]}
 const svg=document.getElementById(id),W=+svg.dataset.w,H=+svg.dataset.h,P=36;
 const names=Object.keys(series).sort();let pts=[];names.forEach(n=>pts=pts.concat(series[n]));
 let h='';
 if(!pts.length){svg.innerHTML='<text x="20" y="110" fill="#888">no data yet</text>';return;}
 let t0=Math.min(...pts.map(p=>p[0])),t1=Math.max(...pts.map(p=>p[0])),v1=Math.max(...pts.map(p=>p[1]))*1.1||1;
 if(t1===t0)t1=t0+1;
 const X=t=>P+(t-t0)/(t1-t0)*(W-P-10),Y=v=>H-24-v/v1*(H-40);
 h+=`<line x1="${P}" y1="${H-24}" x2="${W-10}" y2="${H-24}" stroke="#999"/><line x1="${P}" y1="10" x2="${P}" y2="${H-24}" stroke="#999"/>`;
 h+=`<text x="2" y="16" font-size="10" fill="#555">${fmt(v1,2)}</text><text x="2" y="${H-26}" font-size="10" fill="#555">0</text>`;
 h+=`<text x="${P}" y="${H-8}" font-size="10" fill="#555">${new Date(t0*1000).toISOString().substr(11,8)}</text>`;
 h+=`<text x="${W-70}" y="${H-8}" font-size="10" fill="#555">${new Date(t1*1000).toISOString().substr(11,8)}</text>`;
 names.forEach((n,i)=>{const c=COLORS[i%COLORS.length];const s=series[n].slice().sort((a,b)=>a[0]-b[0]);
  h+=`<polyline class="series" data-name="${esc(n)}" fill="none" stroke="${c}" stroke-width="2" points="${s.map(p=>X(p[0]).toFixed(1)+','+Y(p[1]).toFixed(1)).join(' ')}"/>`;
  s.forEach(p=>h+=`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="2.5" fill="${c}"/>`);});
 svg.innerHTML=h;
 document.getElementById(id.replace('chart','legend')).innerHTML=names.map((n,i)=>`<span style="color:${COLORS[i%COLORS.length]}">&#9632; ${esc(n)}</span>`).join('');
}
function psiOf(d){if(d==null)return null;if(typeof d.psi==='number')return d.psi;if(typeof d.max_psi==='number')return d.max_psi;
 let m=null;const walk=o=>{for(const k in o){const v=o[k];if(typeof v==='number'&&/psi/i.test(k))m=Math.max(m==null?v:m,v);else if(v&&typeof v==='object')walk(v);}};walk(d);return m;}
async function refresh(){
 try{
  const [dv,ro,st,dr,lh,sw]=await Promise.all([api('/api/v1/devices'),api('/api/v1/rollouts'),
    api('/api/v1/telemetry?kind=status&limit=20000'),api('/api/v1/telemetry?kind=drift&limit=20000'),
    api('/api/v1/telemetry?kind=latency_hist&limit=20000'),api('/api/v1/telemetry?kind=shadow&limit=20000')]);
  document.querySelector('#devices tbody').innerHTML=dv.devices.map(d=>`<tr class="device-row" data-device="${esc(d.device_id)}">
   <td>${esc(d.device_id)}</td><td>${esc(d.group)}</td><td>${esc(d.hardware)}</td><td class="state-${esc(d.state)}">${esc(d.state||'not reported')}</td>
   <td>${esc(d.active_version)}</td><td>${esc(d.assigned_version)}</td><td>${fmt(d.latency_ms_p50,2)}</td><td>${fmt(d.latency_ms_p99,2)}</td>
   <td>${fmt(d.error_rate,3)}</td><td>${fmt(d.shadow_agreement,3)}</td><td>${ago(d.last_seen)}</td></tr>`).join('');
  document.getElementById('rollouts').innerHTML=ro.rollouts.length?ro.rollouts.map(r=>{
   const pct=r.state==='completed'?100:r.stage_percent;
   return `<div class="rollout" data-rollout="${esc(r.rollout_id)}"><b>${esc(r.rollout_id)}</b> group ${esc(r.group)} &rarr; ${esc(r.version)}
    <span class="bar ${esc(r.state)}"><div style="width:${pct}%"></div></span> stage ${r.stage_index+1}/${r.stages.length} (${pct}%)
    <b>${esc(r.state)}</b> ${esc(r.reason)} <small>members: ${esc(r.stage_members.join(', '))}</small></div>`;}).join(''):'no rollouts yet';
  const lat={},sh={},dri={};
  st.records.forEach(r=>{const d=r.data||{};if(d.latency_ms_p50>0)(lat[r.device]=lat[r.device]||[]).push([r.time,d.latency_ms_p50]);
   if(typeof d.shadow_agreement==='number')(sh[r.device]=sh[r.device]||[]).push([r.time,d.shadow_agreement]);});
  dr.records.forEach(r=>{const v=psiOf(r.data);if(v!=null)(dri[r.device]=dri[r.device]||[]).push([r.time,v]);});
  const num=(d,keys)=>{for(const k of keys)if(d&&typeof d[k]==='number')return d[k];return null;};
  lh.records.forEach(r=>{const v=num(r.data,['p50','p50_ms','latency_ms_p50']);if(v!=null)(lat[r.device]=lat[r.device]||[]).push([r.time,v]);});
  sw.records.forEach(r=>{const v=num(r.data,['top1_agreement','agreement']);if(v!=null)(sh[r.device]=sh[r.device]||[]).push([r.time,v]);});
  drawChart('latency-chart',lat);drawChart('drift-chart',dri);drawChart('shadow-chart',sh);
  document.getElementById('error').textContent='';
  document.body.setAttribute('data-loaded','1');
 }catch(e){document.getElementById('error').textContent=String(e)+(token()?'':' (open this page as /#token=ADMIN_TOKEN)');}
}
refresh();setInterval(refresh,5000);
</script></body></html>
)HTML";

}  // namespace

void register_dashboard_routes(httplib::Server& http, FleetContext&) {
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
    res.set_content(kDashboardHtml, "text/html; charset=utf-8");
  });
}

}  // namespace wisp::fleet
