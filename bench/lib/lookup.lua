-- wrk script: image lookups (GET /v1/images/...) spread over every seeded collection and tag.
local collections = tonumber(os.getenv("BENCH_COLLECTIONS") or "1000")
math.randomseed(42)

request = function()
  local path = string.format("/v1/images/bench/meta-%07d/tool:v%d?arch=amd64", math.random(0, collections - 1), math.random(0, 9))
  return wrk.format("GET", path)
end
