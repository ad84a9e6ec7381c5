# One readable line per alarm message for the demo's live view (input: mosquitto_sub -v lines).
# Columns are padded to a width and never cut: a longer text (a combined rule's
# id, "_rules/<rule id>") pushes the rest of its line right instead of losing its end.
def pad($n): tostring | if length < $n then . + (" " * ($n - length)) else . end;
(. | capture("^(?<topic>[^ ]+) (?<body>.*)$")) as $m
| ($m.body | fromjson) as $p
| if ($m.topic | endswith("/status")) then
    "\(now | strftime("%H:%M:%S"))  STATUS      gateway \($p.gateway) is \(if $p.online then "ONLINE" else "OFFLINE" end)"
  else
    "\(($p.ts / 1000) | strftime("%H:%M:%S"))  \($p.kind | pad(11)) \(($p.device + "/" + $p.point) | pad(24)) \(($p.level // "") | pad(7)) value \($p.value) \($p.unit)  (\($p.name), seq \($p.seq))"
  end
