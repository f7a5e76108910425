import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a as c}from"./chunk-F3KZLTRS.js";import{a as s,b as l,n as u}from"./chunk-RU3HSL6C.js";import{g as p}from"./chunk-EC6QZEW7.js";import{a as e}from"./chunk-GK3W3CPQ.js";import{n as d}from"./chunk-7ZD3XZNO.js";import{e as n}from"./chunk-5UVAN3PT.js";import"./chunk-TZN7URKK.js";var m=100;async function P(o){let f=p(o,["headSha"]),{pinned:a,policy:h}=await c(o,{headSha:f.headSha,missing:"no application to read"}),t=a.plan.steps.find(y=>y.action==="application.ensure")?.target;if(!t)throw new e("the plan deploys no Dokploy application");let{dokploy:r}=await u({ctx:o,plan:a.plan,policy:h,readOnly:!0});if(!r)throw new e("the plan deploys no Dokploy application");let i=o.secrets.redact(await r.readAppLogs(t,{tail:m}));return await d(o,`### ${l(t)}: the last ${m} log lines

${s(i,"text")}
`),n("log",i),n("result","pass"),!0}export{P as logs};
