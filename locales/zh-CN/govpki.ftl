# govpki 的简体中文消息（Project Fluent）。每条消息在 ../en/govpki.ftl 中有对应的英文消息，
# 变量相同（src/i18n/mod.rs 的测试检查）。行首空格用 {" "} 保留；标签由代码按列对齐。

## 错误的格式

error-label = 错误
hint-label = 提示
caused-by-label = 原因
join = {"："}

## 常见错误（错误链中的原因和上下文）

err-reading = 读取{ $what }`{ $path }`
err-not-found = 文件或目录不存在
err-permission = 权限不足
err-not-regular = 不是普通文件（{ $kind }）
err-kind-fifo = 命名管道
err-kind-socket = 套接字
err-kind-char-device = 字符设备
err-kind-block-device = 块设备
err-kind-directory = 目录
err-kind-other = 非文件
err-too-large = 文件超过 { $limit } 字节的上限
err-wrong-passphrase = 口令错误，或加密的密钥已损坏
err-empty-input = 输入为空
err-malformed-pem = PEM 格式错误：{ $detail }
err-no-pem-block = 未找到 `{ $label }` PEM 块
err-wrong-pem-block = 应为 `{ $expected }` PEM 块，实为 `{ $found }`
err-malformed-der = DER 格式错误：{ $detail }
err-trailing = DER 对象之后有 { $count } 个多余字节
err-not-der = 不是 DER：{ $detail }
err-docs-unverified = { $total } 份文档中有 { $failed } 份无法验证
err-one-sig = --sig 指定一份文档的签名；与它一起只能给出一个 DOC
err-one-image = --image-out 写出一份文档的印章图像；与它一起只能给出一个 DOC

## 读取的对象（err-reading 的 what）

what-certificate = 证书
what-certificates = 证书
what-crl = CRL
what-document = 文档
what-signature = 签名
what-seal = 印章
what-seal-status = 印章状态列表
what-private-key = 私钥
what-passphrase-file = 口令文件
what-policy = 策略
what-csr = 证书请求

## 结论

verdict-valid = 有效
verdict-invalid = 无效
verdict-indeterminate = 无法判定
verdict-error = 出错
cert-valid = 有效
cert-invalid = 无效
cert-indeterminate = 无法判定

## seal verify：整次运行的一行摘要和结尾的统计

summary-one = { $verdict }：{ $document }：{ $reason }
summary-all-valid = { $verdict }：{ $n ->
    [one] 文档有效
   *[other] 全部 { $count } 份文档有效
}
summary-some-invalid = { $verdict }：{ $count } 份文档中有 { $bad } 份无效
summary-some-indeterminate = { $verdict }：{ $count } 份文档中有 { $bad } 份无法判定
summary-some-error = { $verdict }：{ $count } 份文档中有 { $bad } 份无法验证
tally = 有效 { $valid }，无效 { $invalid }，无法判定 { $indeterminate }
tally-errors = ，无法验证 { $errors }

## seal verify：一份文档的报告（标签按 15 列对齐）

sv-document = 文档：
sv-verdict = 结论：
sv-format = 格式：
sv-format-ses = SES_Signature（GB/T 38540）
sv-seal = 印章：
sv-no-seal = 无印章
sv-type = 类型：
sv-department = 部门：
sv-esid = 印章编码：
sv-signer = 签章人：
sv-signer-serial = （序列号 { $serial }）
sv-unknown = （未知）
sv-authority = 制章者：
sv-signing-time = 签章时间：
sv-claimed-time = 声称时间：
sv-checks = 检查项：
sv-all-passed = 全部检查通过
sv-all-passed-notes = 全部检查通过（{ $notes }）
sv-note-unchecked = { $check }：未检查吊销状态
sv-note-sep = {"；"}
sv-reason-check = { $check }：{ $detail }
sv-wrote-image = 已将印章图像（{ $format }）写入 `{ $path }`

## 判定时间的来源

ts-claimed = 签章人声称
ts-given = 验证者指定（--at）
ts-verification = 验证时间（签名中没有签章时间）
ts-stamp = 时间戳，由 { $tsa } 签发

## 检查结果（四列宽）

st-pass = 通过
st-fail = 失败
st-indeterminate = 待定
st-skip = 跳过

## 检查项

check-seal_present = 印章存在
check-document_hash = 文档摘要
check-signer_signature = 签章人签名
check-signing_certificate = 签名证书属性
check-signing_time = 签章时间
check-signer_listed = 签章人在印章中
check-signer_chain = 签章人证书链
check-seal_signature = 制章者签名
check-seal_authority_chain = 制章者证书链
check-seal_extensions = 印章扩展
check-seal_validity = 印章有效期
check-seal_revocation = 印章吊销状态
check-time_stamp = 时间戳

## cert verify

cv-chain = 证书链：
cv-revocation = 吊销状态：
cv-policies = 证书策略：
cv-not-checked-no-crl = 未检查（未给出 CRL）
cv-good-by = 已检查，未吊销（由 { $by } 判定）
cv-good-crls = 已检查，未吊销（{ $crls }）
cv-undecided-by = 所给 CRL 和 { $why } 均未能判定
cv-undecided = 所给 CRL 未能判定
cv-not-checked = 未检查
cv-anchor = 信任锚（不检查）
cv-revoked = 证书已于 { $at } 吊销（{ $reason }）{ $by }
cv-decided-by = ，由 { $source } 判定

## 吊销原因（RFC 5280 §5.3.1，GB/T 20518 的术语）

reason-unspecified = 未指定
reason-keyCompromise = 密钥泄露
reason-cACompromise = CA密钥泄露
reason-affiliationChanged = 隶属关系改变
reason-superseded = 被取代
reason-cessationOfOperation = 停止使用
reason-certificateHold = 证书冻结
reason-removeFromCRL = 从CRL删除
reason-privilegeWithdrawn = 权限撤销
reason-aACompromise = 属性机构泄露
