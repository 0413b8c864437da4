# clickhouse-local.sh - a throwaway clickhouse-server for the tests and
# benchmarks: source it, then `clickhouse_start DIR` starts one on
# 127.0.0.1 with random ports, its data, logs and config under DIR, and
# sets CH_URL and CH_PID (CH_WHY says why when it returns 1: not
# installed, did not start).  `clickhouse_sql QUERY` prints the answer
# (python's urllib: no curl needed); `clickhouse_stop` ends the server.
# The server knows a cluster, ctrail_two_shards: two shards that are this
# same server's databases shard1 and shard2, for Distributed tables.

clickhouse_start() {
	dir=$1
	CH_WHY=
	if ! command -v clickhouse-server >/dev/null 2>&1; then
		CH_WHY="clickhouse-server not found (Debian's clickhouse-server)"
		return 1
	fi
	port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
	mkdir -p "$dir/data" "$dir/log"
	cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/err.log</errorlog></logger>
    <http_port>$port</http_port>
    <tcp_port>$((port + 1))</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <path>$dir/data/</path>
    <tmp_path>$dir/data/tmp/</tmp_path>
    <user_files_path>$dir/data/user_files/</user_files_path>
    <format_schema_path>$dir/data/format_schemas/</format_schema_path>
    <users_config>/etc/clickhouse-server/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>67108864</mark_cache_size>
    <timezone>UTC</timezone>
    <remote_servers>
        <ctrail_two_shards>
            <shard><replica><host>127.0.0.1</host><port>$((port + 1))</port><default_database>shard1</default_database></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>$((port + 1))</port><default_database>shard2</default_database></replica></shard>
        </ctrail_two_shards>
    </remote_servers>
</yandex>
XML
	clickhouse-server --config-file="$dir/config.xml" >"$dir/log/out.log" 2>&1 &
	CH_PID=$!
	CH_URL=http://127.0.0.1:$port/
	for i in $(seq 150); do
		[ "$(clickhouse_sql 'SELECT 1' 2>/dev/null)" = 1 ] && return 0
		kill -0 $CH_PID 2>/dev/null || break
		sleep 0.2
	done
	CH_WHY="clickhouse-server did not start: $(tail -n 3 "$dir/log/out.log" "$dir/log/err.log" 2>/dev/null | tr '\n' ' ')"
	clickhouse_stop
	return 1
}

clickhouse_sql() {
	python3 -c '
import sys, urllib.request
r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode()), timeout=60)
sys.stdout.write(r.read().decode())' "$CH_URL" "$1"
}

clickhouse_stop() {
	[ -n "$CH_PID" ] || return 0
	kill $CH_PID 2>/dev/null
	wait $CH_PID 2>/dev/null
	CH_PID=
}
