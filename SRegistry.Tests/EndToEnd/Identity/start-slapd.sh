#!/usr/bin/env bash
# A throwaway OpenLDAP directory on loopback with the test site's people and groups. Usage: start-slapd.sh DIR PORT
# Prints slapd's PID. Stop it with: kill "$(cat DIR/slapd.pid)".
set -euo pipefail
dir=$(realpath -m "$1"); port=$2
rm -rf "$dir"; mkdir -p "$dir/db"
cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "dc=hpc,dc=test"
rootdn "cn=admin,dc=hpc,dc=test"
rootpw $(slappasswd -s adminpw)
directory $dir/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
CONF
person() { # uid "Full Name" surname password
  cat <<LDIF
dn: uid=$1,ou=people,dc=hpc,dc=test
objectClass: inetOrgPerson
uid: $1
cn: $2
sn: $3
mail: $1@hpc.test
userPassword: $(slappasswd -s "$4")

LDIF
}
group() { # name member-uids...
  local name=$1; shift
  echo "dn: cn=$name,ou=groups,dc=hpc,dc=test"
  echo "objectClass: groupOfNames"
  echo "cn: $name"
  for uid in "$@"; do echo "member: uid=$uid,ou=people,dc=hpc,dc=test"; done
  echo
}
{
  printf 'dn: dc=hpc,dc=test\nobjectClass: dcObject\nobjectClass: organization\no: HPC Test\ndc: hpc\n\n'
  printf 'dn: ou=people,dc=hpc,dc=test\nobjectClass: organizationalUnit\nou: people\n\n'
  printf 'dn: ou=groups,dc=hpc,dc=test\nobjectClass: organizationalUnit\nou: groups\n\n'
  person alice "Alice Astronomer" Astronomer alicepw
  person bob "Bob Operator" Operator bobpw
  person carol "Carol Visitor" Visitor carolpw
  person dave "Dave Student" Student davepw
  group astro alice bob dave
  group registry-admins bob
} >"$dir/data.ldif"
# The bridge finds groups by their member attribute, so no memberof overlay is needed and slapadd can load everything.
slapadd -q -f "$dir/slapd.conf" -l "$dir/data.ldif"
slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/"
for _ in $(seq 1 100); do
  ldapwhoami -x -H "ldap://127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.05
done
cat "$dir/slapd.pid"
