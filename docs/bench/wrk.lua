-- wrk script for the voisinage load benchmark (docs/BENCHMARKS.md).
--
--   wrk -t2 -c16 -d20s --latency -s docs/bench/wrk.lua http://127.0.0.1:8080 -- SCENARIO [IDFILE]
--
-- SCENARIO is items (bbox of about 50 km, limit 100), france (metropolitan
-- France's box, each edge widened by a random 0–0.05°, limit 1000), nearby (10 nearest),
-- clusters (a 1280×800-pixel view at zoom 6), tile (the z10 tile of a
-- place) or item (one actor by id, drawn from IDFILE, one id per line).
-- Places are drawn from a fixed seed per thread: 95 % in metropolitan
-- France's bounding box, 5 % in La Réunion, as the synthetic actors are.
-- wrk sends no Accept-Encoding: answers are not compressed. The script has
-- no response() function: with one, wrk hands every body to Lua, which for
-- the 400 kB pages of the france scenario made wrk, not the server, the
-- bound. wrk counts statuses above 399 itself (summary.errors.status).

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local scenario, ids

function init(args)
  scenario = args[1] or "nearby"
  wrk.thread:set("scenario", scenario)
  math.randomseed(1000 + (tid or 0))
  if scenario == "item" then
    ids = {}
    for line in io.lines(args[2] or "ids.txt") do
      ids[#ids + 1] = line
    end
    if #ids == 0 then error("no ids in " .. tostring(args[2])) end
  end
end

local function place()
  if math.random() < 0.05 then
    return 55.2 + math.random() * 0.65, -21.4 + math.random() * 0.53
  end
  return -5.2 + math.random() * 14.8, 41.3 + math.random() * 9.8
end

local function box(lon, lat, dlon, dlat)
  return string.format("%.5f,%.5f,%.5f,%.5f", lon - dlon, lat - dlat, lon + dlon, lat + dlat)
end

function request()
  local path
  if scenario == "item" then
    path = "/api/collections/actors/items/" .. ids[math.random(#ids)]
  elseif scenario == "france" then
    path = string.format("/api/collections/actors/items?limit=1000&bbox=%.5f,%.5f,%.5f,%.5f",
      -5.2 - math.random() * 0.05, 41.3 - math.random() * 0.05, 9.6 + math.random() * 0.05, 51.1 + math.random() * 0.05)
  else
    local lon, lat = place()
    if scenario == "items" then
      local dlat = 0.225
      local dlon = dlat / math.cos(math.rad(lat))
      path = "/api/collections/actors/items?limit=100&bbox=" .. box(lon, lat, dlon, dlat)
    elseif scenario == "nearby" then
      path = string.format("/api/nearby?lon=%.5f&lat=%.5f&limit=10", lon, lat)
    elseif scenario == "clusters" then
      local world = 256 * 2 ^ 6
      local dlon = 1280 / world * 180
      local dlat = math.min(800 / world * 180 * math.cos(math.rad(lat)), 40)
      path = "/api/clusters?zoom=6&bbox=" .. box(lon, math.max(-80, math.min(80, lat)), dlon, dlat)
    elseif scenario == "tile" then
      local n = 2 ^ 10
      local x = math.floor((lon + 180) / 360 * n)
      local r = math.rad(lat)
      local y = math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
      path = string.format("/api/tiles/10/%d/%d.mvt", x, y)
    else
      error("unknown scenario " .. scenario)
    end
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local scenario = threads[1]:get("scenario")
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("%s: %.0f req/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, non-2xx or errors %d\n",
    scenario, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, bad))
end
