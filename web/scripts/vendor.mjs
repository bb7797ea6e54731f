// vendor.mjs copies the npm packages' files that voisinage uses from
// node_modules into the folders that are committed: Leaflet's dist files into
// static/vendor/leaflet (embedded in the binary) and axe-core into testdata
// (injected by the browser tests). Run it after changing a version in
// package.json:
//
//	npm ci --prefix web && npm run vendor --prefix web
import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const mod = (p) => join(web, "node_modules", p);
const version = (p) => JSON.parse(readFileSync(mod(join(p, "package.json")), "utf8")).version;

const leaflet = join(web, "static", "vendor", "leaflet");
rmSync(leaflet, { recursive: true, force: true });
mkdirSync(join(leaflet, "images"), { recursive: true });
for (const f of ["leaflet.js", "leaflet.css"]) cpSync(mod(join("leaflet", "dist", f)), join(leaflet, f));
for (const f of ["layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"]) {
  cpSync(mod(join("leaflet", "dist", "images", f)), join(leaflet, "images", f));
}
cpSync(mod(join("leaflet", "LICENSE")), join(leaflet, "LICENSE"));
console.log(`leaflet ${version("leaflet")} -> static/vendor/leaflet`);

mkdirSync(join(web, "testdata"), { recursive: true });
cpSync(mod(join("axe-core", "axe.min.js")), join(web, "testdata", "axe.min.js"));
cpSync(mod(join("axe-core", "LICENSE")), join(web, "testdata", "axe-core.LICENSE"));
console.log(`axe-core ${version("axe-core")} -> testdata/axe.min.js`);
