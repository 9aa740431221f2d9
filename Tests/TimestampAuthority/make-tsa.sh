#!/usr/bin/env bash
# A throwaway RFC 3161 Time-Stamp Authority for the tests, made with the openssl CLI in FOLDER:
# ca.pem (root) and tsa.pem/tsa.key (its TSA, critical extendedKeyUsage timeStamping), and a
# second root other-ca.pem with its own TSA (other-tsa.pem) for "a TSA under another CA".
# tsa.cnf answers queries: `openssl ts -reply -config tsa.cnf [-section other] -queryfile Q -out R`.
set -euo pipefail
folder="$1"
mkdir -p "$folder"
cd "$folder"
cat > tsa.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
default_tsa = main
CNF
for section in main other; do
    prefix=$([ "$section" = other ] && echo "other-" || true)
    cat >> tsa.cnf <<CNF
[ $section ]
serial = ./serial
crypto_device = builtin
signer_cert = ./${prefix}tsa.pem
signer_key = ./${prefix}tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
done
make_pair() {  # make_pair PREFIX "CA NAME" "TSA NAME"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1ca.key" -out "$1ca.pem" \
        -days 3650 -subj "/CN=$2" -config tsa.cnf -extensions ca_ext 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1tsa.key" -out "$1tsa.csr" \
        -subj "/CN=$3/O=attest tests" -config tsa.cnf 2>/dev/null
    openssl x509 -req -in "$1tsa.csr" -CA "$1ca.pem" -CAkey "$1ca.key" -CAcreateserial -out "$1tsa.pem" \
        -days 3650 -extfile tsa.cnf -extensions tsa_ext 2>/dev/null
}
make_pair "" "attest test TSA root" "attest test TSA"
make_pair "other-" "another TSA root" "another TSA"
echo 01 > serial
