import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{e as b,f as c,g as d}from"./chunk-EC6QZEW7.js";import{a}from"./chunk-GK3W3CPQ.js";import"./chunk-5UVAN3PT.js";import"./chunk-TZN7URKK.js";export{b as COMMANDS,a as InputError,d as need,c as readRunContext};
