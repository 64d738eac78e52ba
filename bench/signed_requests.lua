-- wrk: sends pre-signed terminal requests, each once (a nonce is single-use), from one file
-- per wrk thread written by bench/alarm_signed.py. Lines: device id, timestamp, nonce,
-- signature and body, separated by tabs.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  sent = 0
  local file = assert(io.open(args[1] .. "." .. id, "r"))
  for line in file:lines() do
    local device, timestamp, nonce, signature, body =
      line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
    table.insert(requests, wrk.format("POST", "/api/v1/iot/alarms", {
      ["Content-Type"] = "application/json",
      ["X-Device-Id"] = device,
      ["X-Timestamp"] = timestamp,
      ["X-Nonce"] = nonce,
      ["X-Signature"] = signature,
    }, body))
  end
  file:close()
end

function request()
  sent = sent + 1
  -- Past the end, the first request again: a replay, answered 401, which fails the run.
  return requests[(sent - 1) % #requests + 1]
end
