-- paxos.lua: a Wireshark dissector for the switch Paxos frames
-- (PROTOCOL.md of issue 16; the header as in cxx-actions/paxos/paxos_wire.h).
--
-- Usage: tshark -X lua_script:paxos.lua -r capture.pcap, or copy it into
-- ~/.local/lib/wireshark/plugins/ (README.md in this folder).
--
-- Every frame is an Ethernet frame whose EtherType is the message type;
-- after the 14-byte Ethernet header (all big endian):
--   round u32 | seq u32 | group u16 | sender u16 | payload
-- Payload by type:
--   0x7A00 PREPARE    empty
--   0x7A01 ACCEPT     value
--   0x7A02 LEARN      value
--   0x7A03 PROMISE    to u16, flags u8 (bit0 END, bit1 DECIDED), then
--                       entry: vround u32, value
--                       END:   count u32, next u32
--   0x7A04 HEARTBEAT  flags u8 (bit0 LEADER), next u32, trim u32
--   0x7A05 ASK        count u16 (1..64)
--   0x7A06 DECIDED    value (seq: the slot; round: the round that chose it)
--   0x7A40 CLIENT     a client Ethernet frame; round (high 32 bits) and seq
--                     (low 32) are its 64-bit origin id: origin node u16
--                     (the member that gave the id), counter u48
-- A value runs to the end of the frame and is empty (NO-OP), or in the
-- fault-tolerant mode (paxos_node.cc) a tagged value: origin node u16,
-- origin id u64, then the client frame; in the fixed-leader mode (the
-- thesis' layout, paxos_state.cc) the bare client frame (>= 14 bytes).
-- The preference paxos.values picks the decoding (auto: tagged when it
-- looks like a tag, see looks_tagged).

local paxos = Proto("paxos", "Switch Paxos")

-- Message types by EtherType.
local PREPARE, ACCEPT, LEARN, PROMISE = 0x7A00, 0x7A01, 0x7A02, 0x7A03
local HEARTBEAT, ASK, DECIDED, CLIENT = 0x7A04, 0x7A05, 0x7A06, 0x7A40
local type_names = {
    [PREPARE] = "PREPARE", [ACCEPT] = "ACCEPT", [LEARN] = "LEARN",
    [PROMISE] = "PROMISE", [HEARTBEAT] = "HEARTBEAT", [ASK] = "ASK",
    [DECIDED] = "DECIDED", [CLIENT] = "CLIENT",
}

local HEADER_LEN = 12       -- round, seq, group, sender (after Ethernet).
local ETH_HEADER_LEN = 14   -- the shortest client frame a value can hold.
local ORIGIN_LEN = 10       -- origin node u16, origin id u64 of a tag.
local ABSURD_ROUND = 0x80000000  -- rounds above 2^31 are dropped.
local ASK_MAX = 64

-- Header fields.
local f = paxos.fields
f.type = ProtoField.uint16("paxos.type", "Type", base.HEX, type_names)
f.round = ProtoField.uint32("paxos.round", "Round", base.DEC)
f.seq = ProtoField.uint32("paxos.seq", "Sequence", base.DEC)
f.group = ProtoField.uint16("paxos.group", "Group", base.DEC)
f.sender = ProtoField.uint16("paxos.sender", "Sender node", base.DEC)

-- PROMISE fields.
f.promise_to = ProtoField.uint16("paxos.promise.to", "To (candidate)",
                                 base.DEC)
f.promise_flags = ProtoField.uint8("paxos.promise.flags", "Flags", base.HEX)
f.promise_end = ProtoField.bool("paxos.promise.end", "END", 8, nil, 0x01)
f.promise_decided = ProtoField.bool("paxos.promise.decided",
                                    "DECIDED (the value was chosen)", 8, nil,
                                    0x02)
f.promise_more = ProtoField.bool("paxos.promise.more",
                                 "MORE (ask again from next)", 8, nil, 0x04)
f.promise_vround = ProtoField.uint32("paxos.promise.vround",
                                     "Round accepted in (vround)", base.DEC)
f.promise_count = ProtoField.uint32("paxos.promise.count",
                                    "Entries sent before END", base.DEC)
f.promise_next = ProtoField.uint32("paxos.promise.next",
                                   "Next (1 + highest slot sent or accepted)",
                                   base.DEC)
f.promise_from = ProtoField.uint32("paxos.promise.from",
                                   "From (the PREPARE's first slot)",
                                   base.DEC)

-- HEARTBEAT fields.
f.hb_flags = ProtoField.uint8("paxos.heartbeat.flags", "Flags", base.HEX)
f.hb_leader = ProtoField.bool("paxos.heartbeat.leader", "LEADER", 8, nil,
                              0x01)
f.hb_next = ProtoField.uint32("paxos.heartbeat.next",
                              "Next slot the leader assigns", base.DEC)
f.hb_trim = ProtoField.uint32("paxos.heartbeat.trim",
                              "Trim point (first kept slot)", base.DEC)

-- ASK fields.
f.ask_count = ProtoField.uint16("paxos.ask.count", "Count", base.DEC)

-- CLIENT fields (its round and seq).
f.client_origin_id = ProtoField.uint64("paxos.client.origin_id",
                                       "Origin id (round, seq)", base.HEX)
f.client_origin_node = ProtoField.uint16("paxos.client.origin_node",
                                         "Origin node (top 16 bits of the id)",
                                         base.DEC)

-- The carried value / client frame.
f.value = ProtoField.bytes("paxos.value", "Value")
f.value_len = ProtoField.uint32("paxos.value.len", "Value length", base.DEC)
f.value_noop = ProtoField.bool("paxos.value.noop", "NO-OP")
f.value_tagged = ProtoField.bool("paxos.value.tagged",
                                 "Tagged (origin node and id first)")
f.value_origin_node = ProtoField.uint16("paxos.value.origin_node",
                                        "Origin node", base.DEC)
f.value_origin_id = ProtoField.uint64("paxos.value.origin_id", "Origin id",
                                      base.HEX)
f.trailer = ProtoField.bytes("paxos.trailer", "Trailing bytes")

-- Expert infos.
local e_truncated = ProtoExpert.new(
    "paxos.truncated", "Truncated Paxos frame",
    expert.group.MALFORMED, expert.severity.ERROR)
local e_unknown = ProtoExpert.new(
    "paxos.unknown_type", "Unknown Paxos type",
    expert.group.UNDECODED, expert.severity.WARN)
local e_short_value = ProtoExpert.new(
    "paxos.value.short", "Value shorter than an Ethernet header",
    expert.group.MALFORMED, expert.severity.ERROR)
local e_absurd = ProtoExpert.new(
    "paxos.round.absurd", "Round 0 or above 2^31 (receivers drop it)",
    expert.group.PROTOCOL, expert.severity.WARN)
local e_origin = ProtoExpert.new(
    "paxos.value.origin.mismatch",
    "Origin node is not the top 16 bits of the origin id",
    expert.group.PROTOCOL, expert.severity.WARN)
local e_ask_count = ProtoExpert.new(
    "paxos.ask.count.range", "ASK count outside 1..64",
    expert.group.PROTOCOL, expert.severity.WARN)
local e_mac = ProtoExpert.new(
    "paxos.src_mac", "Source MAC is not 02:7a:GG:GG:NN:NN of group/sender",
    expert.group.PROTOCOL, expert.severity.WARN)
local e_trailer = ProtoExpert.new(
    "paxos.trailer.present", "Bytes after the fixed payload",
    expert.group.PROTOCOL, expert.severity.NOTE)
paxos.experts = {e_truncated, e_unknown, e_short_value, e_absurd,
                 e_origin, e_ask_count, e_mac, e_trailer}

-- How values are decoded: Edit > Preferences > Protocols > PAXOS, or
-- tshark -o paxos.values:untagged.
local AUTO, TAGGED, UNTAGGED = 1, 2, 3
paxos.prefs.values = Pref.enum(
    "Values", AUTO,
    "Values (ACCEPT, LEARN, PROMISE entry, DECIDED): tagged with origin "
    .. "node and id (the fault-tolerant mode), bare client frames (the "
    .. "fixed-leader mode), or auto: tagged when the first 10 bytes look "
    .. "like a tag",
    {{1, "auto", AUTO}, {2, "tagged", TAGGED}, {3, "untagged", UNTAGGED}},
    false)

-- The source MAC of the enclosing Ethernet header (the last one dissected
-- so far), to compare with group/sender.
local eth_src = Field.new("eth.src")

local eth_dissector = Dissector.get("eth_withoutfcs")
local data_dissector = Dissector.get("data")

-- Adds the expert info of a frame cut short to 'tree' and the Info text.
local function truncated(tree, tvb, info, what)
    tree:add_tvb_expert_info(e_truncated, tvb(),
                             "Truncated Paxos frame: " .. what)
    return info .. " [truncated]"
end

-- An origin id (UInt64) as Info shows it.
local function id_text(id)
    return "0x" .. id:tohex()
end

-- Whether the value of 'len' bytes at 'offset' (all captured) looks like
-- a tagged one: room for the tag and an Ethernet header, and the origin
-- node is 1..255 and the top 16 bits of the origin id.  A bare client
-- frame matches only when its destination MAC is 00:NN:00:NN:xx:xx.
local function looks_tagged(tvb, offset, len)
    if len < ORIGIN_LEN + ETH_HEADER_LEN
        or tvb:len() < offset + ORIGIN_LEN then
        return false
    end
    local node = tvb(offset, 2):uint()
    return node >= 1 and node <= 255 and tvb(offset + 2, 2):uint() == node
end

-- Hands the client frame in 'range' (at least an Ethernet header) to the
-- Ethernet dissector; returns the Info text its dissectors wrote.
local function dissect_client_frame(range, pinfo, root)
    -- The client frame as the Ethernet dissector shows it, next to ours.
    pinfo.cols.info = ""
    eth_dissector:call(range:tvb(), pinfo, root)
    return tostring(pinfo.cols.info)
end

-- Dissects a value (or CLIENT's client frame, when 'bare') in tvb from
-- 'offset' to the end: NO-OP when empty, else (tagged, as the preference
-- or its look says) the origin node and id, then the client frame, handed
-- to the Ethernet dissector.  Returns the Info suffix and the Info text
-- the client frame's dissectors wrote (nil when none is carried).
local function dissect_value(tvb, pinfo, tree, root, offset, bare)
    local len = tvb:reported_length_remaining(offset)
    if len < 0 then
        len = 0
    end
    -- What was captured of it (less than len when the capture cut it).
    local range = tvb:len() > offset and tvb(offset) or tvb(offset, 0)
    tree:add(f.value_len, range, len):set_generated()
    tree:add(f.value_noop, range, len == 0):set_generated()
    if len == 0 then
        return " NO-OP"
    end
    local item = tree:add(f.value, range)
    local tagged = false
    if not bare then
        local mode = paxos.prefs.values
        tagged = mode == TAGGED
            or (mode == AUTO and looks_tagged(tvb, offset, len))
        item:add(f.value_tagged, range, tagged):set_generated()
    end
    local suffix = ""
    if tagged then
        if len < ORIGIN_LEN + ETH_HEADER_LEN then
            item:add_proto_expert_info(e_short_value,
                "Tagged value shorter than the 10-byte origin tag and an "
                .. "Ethernet header")
        end
        if tvb:len() < offset + ORIGIN_LEN then
            -- Long enough, but the capture's snap length cut the tag.
            return len < ORIGIN_LEN and " [short value]"
                or " [tag not captured]"
        end
        local node = tvb(offset, 2):uint()
        local id = tvb(offset + 2, 8):uint64()
        item:add(f.value_origin_node, tvb(offset, 2))
        local id_item = item:add(f.value_origin_id, tvb(offset + 2, 8))
        if tvb(offset + 2, 2):uint() ~= node then
            id_item:add_proto_expert_info(e_origin)
        end
        suffix = string.format(" origin=%d id=%s", node, id_text(id))
        if len < ORIGIN_LEN + ETH_HEADER_LEN then
            return suffix .. " [short value]"
        end
        offset = offset + ORIGIN_LEN
        range = tvb:len() > offset and tvb(offset) or tvb(offset, 0)
    elseif len < ETH_HEADER_LEN then
        item:add_proto_expert_info(e_short_value)
        return " [short value]"
    end
    return suffix, dissect_client_frame(range, pinfo, root)
end

-- Adds the bytes after a type's fixed payload, if any (Ethernet padding
-- or a newer sender).
local function dissect_trailer(tvb, tree, offset)
    if tvb:len() > offset then
        tree:add(f.trailer, tvb(offset)):add_proto_expert_info(e_trailer)
    end
end

function paxos.dissector(tvb, pinfo, root)
    -- The EtherType this frame was handed to us for is its type.
    local ptype = pinfo.match_uint
    local name = type_names[ptype] or string.format("UNKNOWN(0x%04X)", ptype)
    local tree = root:add(paxos, tvb(), "Switch Paxos, " .. name)
    tree:add(f.type, ptype):set_generated()

    local info = name
    if tvb:len() < HEADER_LEN then
        info = truncated(tree, tvb, info, string.format(
            "%d of %d header bytes", tvb:len(), HEADER_LEN))
        pinfo.cols.protocol = "PAXOS"
        pinfo.cols.info = info
        return tvb:len()
    end

    local round = tvb(0, 4):uint()
    local seq = tvb(4, 4):uint()
    local group = tvb(8, 2):uint()
    local sender = tvb(10, 2):uint()
    local round_item = tree:add(f.round, tvb(0, 4))
    tree:add(f.seq, tvb(4, 4))
    tree:add(f.group, tvb(8, 2))
    tree:add(f.sender, tvb(10, 2))
    -- CLIENT's round is half an origin id, ASK's is not read.
    if ptype ~= CLIENT and ptype ~= ASK
        and (round == 0 or round > ABSURD_ROUND) then
        round_item:add_proto_expert_info(e_absurd)
    end
    local src = eth_src()
    if src and src.range and src.range:len() == 6 then
        local want = string.format("027A%04X%04X", group, sender)
        if tostring(src.range:bytes()):upper() ~= want then
            tree:add_proto_expert_info(e_mac)
        end
    end
    tree:append_text(string.format(", Round %d, Seq %d, Group %d, Sender %d",
                                   round, seq, group, sender))
    info = string.format("%s r=%d seq=%d grp=%d from=%d", name, round, seq,
                         group, sender)

    local off = HEADER_LEN
    local rest = tvb:len() - off
    local suffix = ""
    local inner = nil
    if ptype == PREPARE then
        dissect_trailer(tvb, tree, off)
    elseif ptype == ACCEPT or ptype == LEARN or ptype == DECIDED then
        suffix, inner = dissect_value(tvb, pinfo, tree, root, off)
    elseif ptype == CLIENT then
        -- Its forwarder's id: 0 from the fixed-leader mode.
        local id = tvb(0, 8):uint64()
        tree:add(f.client_origin_id, tvb(0, 8))
        tree:add(f.client_origin_node, tvb(0, 2))
        suffix, inner = dissect_value(tvb, pinfo, tree, root, off, true)
        if id ~= UInt64(0) then
            suffix = string.format(" origin=%d id=%s",
                                   math.floor(round / 65536), id_text(id))
                .. suffix
        end
    elseif ptype == PROMISE then
        if rest < 3 then
            info = truncated(tree, tvb, info, "PROMISE needs to and flags")
        else
            local to = tvb(off, 2):uint()
            local is_end = bit32.band(tvb(off + 2, 1):uint(), 1) == 1
            local decided = bit32.band(tvb(off + 2, 1):uint(), 2) == 2
            tree:add(f.promise_to, tvb(off, 2))
            local flags = tree:add(f.promise_flags, tvb(off + 2, 1))
            flags:add(f.promise_end, tvb(off + 2, 1))
            flags:add(f.promise_decided, tvb(off + 2, 1))
            if is_end then
                flags:add(f.promise_more, tvb(off + 2, 1))
            end
            local more = bit32.band(tvb(off + 2, 1):uint(), 4) == 4
            off = off + 3
            rest = rest - 3
            if is_end then
                info = string.format("PROMISE END r=%d seq=%d grp=%d "
                                     .. "from=%d to=%d", round, seq, group,
                                     sender, to)
                if rest < 12 then
                    info = truncated(tree, tvb, info,
                                     "PROMISE END needs count, next, from")
                else
                    local count = tvb(off, 4):uint()
                    local nxt = tvb(off + 4, 4):uint()
                    local from = tvb(off + 8, 4):uint()
                    tree:add(f.promise_count, tvb(off, 4))
                    tree:add(f.promise_next, tvb(off + 4, 4))
                    tree:add(f.promise_from, tvb(off + 8, 4))
                    suffix = string.format(" count=%d next=%d for=%d%s",
                                           count, nxt, from,
                                           more and " MORE" or "")
                    dissect_trailer(tvb, tree, off + 12)
                end
            else
                info = info .. string.format(" to=%d", to)
                if rest < 4 then
                    info = truncated(tree, tvb, info,
                                     "PROMISE entry needs vround")
                else
                    local vround = tvb(off, 4):uint()
                    tree:add(f.promise_vround, tvb(off, 4))
                    suffix, inner = dissect_value(tvb, pinfo, tree, root,
                                                  off + 4)
                    suffix = string.format(" vround=%d%s", vround,
                                           decided and " DECIDED" or "")
                        .. suffix
                end
            end
        end
    elseif ptype == HEARTBEAT then
        if rest < 9 then
            info = truncated(tree, tvb, info,
                             "HEARTBEAT needs flags, next and trim")
        else
            local leader = bit32.band(tvb(off, 1):uint(), 1) == 1
            local flags = tree:add(f.hb_flags, tvb(off, 1))
            flags:add(f.hb_leader, tvb(off, 1))
            tree:add(f.hb_next, tvb(off + 1, 4))
            tree:add(f.hb_trim, tvb(off + 5, 4))
            suffix = string.format("%s next=%d trim=%d",
                                   leader and " LEADER" or "",
                                   tvb(off + 1, 4):uint(),
                                   tvb(off + 5, 4):uint())
            dissect_trailer(tvb, tree, off + 9)
        end
    elseif ptype == ASK then
        if rest < 2 then
            info = truncated(tree, tvb, info, "ASK needs count")
        else
            local count = tvb(off, 2):uint()
            local item = tree:add(f.ask_count, tvb(off, 2))
            if count < 1 or count > ASK_MAX then
                item:add_proto_expert_info(e_ask_count)
            end
            suffix = string.format(" count=%d", count)
            dissect_trailer(tvb, tree, off + 2)
        end
    else
        tree:add_proto_expert_info(e_unknown, string.format(
            "Unknown Paxos type 0x%04X", ptype))
        if rest > 0 then
            data_dissector:call(tvb(off):tvb(), pinfo, tree)
        end
    end

    -- Ours first; what the carried client frame's dissectors said after.
    pinfo.cols.protocol = "PAXOS"
    info = info .. suffix
    if inner and inner ~= "" then
        info = info .. " | " .. inner
    end
    pinfo.cols.info = info
    return tvb:len()
end

-- Every type, and the rest of 0x7A00..0x7A0F (unknown types, flagged).
local ethertype = DissectorTable.get("ethertype")
for t = 0x7A00, 0x7A0F do
    ethertype:add(t, paxos)
end
ethertype:add(CLIENT, paxos)
