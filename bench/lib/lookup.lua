-- wrk script: image lookups (GET /v1/images/...) spread over every seeded collection and tag.
-- BENCH_SEQUENTIAL=1 asks for each image exactly once, in order, and then stops (run it with one thread): it fills
-- the lookup cache so that the measured run that follows is answered from memory.
local collections = tonumber(os.getenv("BENCH_COLLECTIONS") or "1000")
local sequential = os.getenv("BENCH_SEQUENTIAL") == "1"
local total = collections * 10
local next_index = 0
math.randomseed(42)

request = function()
  local n
  if sequential then
    n = next_index % total
    next_index = next_index + 1
  else
    n = math.random(0, total - 1)
  end
  local path = string.format("/v1/images/bench/meta-%07d/tool:v%d?arch=amd64", math.floor(n / 10), n % 10)
  return wrk.format("GET", path)
end

response = function()
  if sequential and next_index >= total then
    wrk.thread:stop()
  end
end
