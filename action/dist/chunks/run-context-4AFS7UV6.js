import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{e as a,f as b,g as c,h as d}from"./chunk-IHCXLND7.js";import"./chunk-5UVAN3PT.js";import"./chunk-TZN7URKK.js";export{a as COMMANDS,b as InputError,d as need,c as readRunContext};
