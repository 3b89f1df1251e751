"""Every sentence the bot says, Vietnamese first and English second. Code refers to keys only."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES: tuple[str, ...] = ("vi", "en")
CONSENT_VERSION = "2025-01"

CATALOGUE: dict[str, dict[str, str]] = {
    "raw": {"vi": "{text}", "en": "{text}"},
    "draft.none": {
        "vi": "Không có phản ánh nào đang soạn. Gõ /new để gửi phản ánh mới.",
        "en": "There is no report in progress. Type /new to start one.",
    },
    "welcome": {
        "vi": "Xin chào! Đây là Lắng Nghe: kênh tiếp nhận phản ánh, kiến nghị của người dân, "
        "chuyển đến đúng tổ chức chịu trách nhiệm (Công đoàn, Hội Nông dân, Hội Phụ nữ, Đoàn Thanh niên, "
        "Hội Cựu chiến binh, Mặt trận Tổ quốc).",
        "en": "Hello! This is Lắng Nghe: we take citizens' feedback and hand it to the one body responsible.",
    },
    "consent.ask": {
        "vi": "Để xử lý phản ánh, chúng tôi cần lưu nội dung bạn gửi và thông tin liên hệ (nếu bạn cung cấp), "
        "chỉ dùng để giải quyết phản ánh, theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân. "
        "Bạn có thể gửi ẩn danh. Bạn có đồng ý không?",
        "en": "To handle your feedback we must store what you send and any contact details you give, only to "
        "resolve it (Decree 13/2023 on personal data). You may stay anonymous. Do you agree?",
    },
    "consent.declined": {
        "vi": "Chúng tôi tôn trọng lựa chọn của bạn: nội dung bạn vừa gửi sẽ không được lưu giữ. "
        "Khi nào muốn gửi phản ánh, hãy gõ /start. Trường hợp khẩn cấp: gọi 113 (công an), 114 (cứu hỏa), 115 (cấp cứu).",
        "en": "We respect your choice: what you sent will not be kept. Type /start whenever you want to report. "
        "Emergencies: call 113 (police), 114 (fire), 115 (ambulance).",
    },
    "consent.already": {
        "vi": "Bạn đã đồng ý trước đó rồi, không cần bấm lại.",
        "en": "You already agreed earlier; no need to press again.",
    },
    "button.stale": {
        "vi": "Nút này thuộc một câu hỏi cũ. Bạn trả lời câu hỏi mới nhất giúp mình nhé.",
        "en": "That button belongs to an earlier question. Please answer the latest one.",
    },
    "consent.pending": {
        "vi": "Mình đã nhận tin của bạn, bạn đồng ý để mình xử lý nhé?",
        "en": "I have your message. Do you agree that I handle it?",
    },
    "consent.remind": {
        "vi": "Để mình giúp được, bạn cho mình biết bạn có đồng ý với việc lưu và xử lý tin nhắn ở trên không nhé?",
        "en": "So that I can help, please tell me whether you agree to the storing and handling described above.",
    },
    "consent.withdrawn": {
        "vi": "Bạn đã rút lại sự đồng ý. Mình đã xóa những gì bạn gửi mà chưa thuộc hồ sơ nào, và sẽ không "
        "xử lý tin nhắn mới cho đến khi bạn đồng ý lại (gõ /start).",
        "en": "You have withdrawn your consent. I erased what you sent that is not part of a case, and will "
        "not handle new messages until you agree again (type /start).",
    },
    "consent.withdrawn_cases": {
        "vi": "Các hồ sơ đã gửi trước đó ({codes}) vẫn được xử lý theo quy định; nơi xử lý vẫn có thể trả lời bạn ở đây.",
        "en": "Cases you already sent ({codes}) are still handled as the law requires; their staff may still "
        "answer you here.",
    },
    "consent.nothing_to_withdraw": {
        "vi": "Bạn chưa đồng ý nên mình chưa lưu và xử lý gì của bạn cả.",
        "en": "You have not agreed, so nothing of yours is stored or handled.",
    },
    "consent.thanks": {"vi": "Cảm ơn bạn đã đồng ý.", "en": "Thank you for agreeing."},
    "button.unknown": {
        "vi": "Mình không hiểu nút này (có thể nó thuộc một phiên bản cũ). Bạn cứ nhắn tiếp, hoặc gõ /help nhé.",
        "en": "I do not understand that button (it may be from an older version). Just go on writing, or type /help.",
    },
    "smalltalk.greeting": {
        "vi": "Chào bạn! Mình là Lắng Nghe. Bạn gặp vấn đề gì cần phản ánh, cứ kể cho mình nhé.",
        "en": "Hello! I am Lắng Nghe. If something needs reporting, just tell me about it.",
    },
    "smalltalk.thanks": {
        "vi": "Không có gì ạ! Khi cần phản ánh điều gì, bạn cứ nhắn cho mình.",
        "en": "You are welcome! Write to me whenever you need to report something.",
    },
    "smalltalk.chitchat": {
        "vi": "Mình là trợ lý tiếp nhận phản ánh nên chưa trò chuyện được nhiều 😊 Khi có việc cần phản ánh, "
        "bạn kể cho mình nhé.",
        "en": "I am an assistant for reports, so I am not much of a talker 😊 When something needs reporting, tell me.",
    },
    "smalltalk.bot_question": {
        "vi": "Mình là Lắng Nghe, kênh tiếp nhận phản ánh của người dân. Mình hỏi vài câu, rồi chuyển phản ánh đến "
        "đúng tổ chức (Công đoàn, Hội Nông dân, Hội Phụ nữ, Đoàn Thanh niên, Hội Cựu chiến binh hoặc Mặt trận "
        "Tổ quốc) và gửi bạn mã để theo dõi. Gõ /help để xem các lệnh.",
        "en": "I am Lắng Nghe, a channel for citizens' feedback. I ask a few questions, pass your report to the one "
        "body responsible and give you a code to follow it. Type /help for the commands.",
    },
    "smalltalk.abuse": {
        "vi": "Mình hiểu có thể bạn đang rất bực. Nếu có việc gì chưa được giải quyết, bạn kể cụ thể cho mình, "
        "mình sẽ chuyển đến đúng nơi xử lý.",
        "en": "I understand you may be very upset. If something has not been dealt with, tell me what happened "
        "and I will pass it to the right body.",
    },
    "second.noticed": {
        "vi": "Mình thấy tin của bạn còn nhắc đến một việc khác, thuộc {second}. Mình sẽ gửi việc chính trước, "
        "rồi hỏi bạn có muốn gửi việc kia thành một phản ánh riêng không.",
        "en": "Your message also mentions another matter, for {second}. I will send the main one first, then "
        "ask whether you want the other filed as a report of its own.",
    },
    "second.offer": {
        "vi": "Bạn có muốn gửi cả việc thuộc {second} thành một phản ánh riêng không?",
        "en": "Do you want the matter for {second} filed as a report of its own too?",
    },
    "second.declined": {
        "vi": "Vâng, mình chỉ gửi hồ sơ {code}. Khi cần, bạn gõ /new để gửi phản ánh mới.",
        "en": "All right, only case {code} is sent. Type /new whenever you want to report something else.",
    },
    "second.started": {
        "vi": "Mình đã soạn sẵn phản ánh thứ hai từ tin nhắn của bạn (liên quan đến hồ sơ {code}).",
        "en": "I have prepared the second report from your message (related to case {code}).",
    },
    "problem.ask": {
        "vi": "Bạn hãy kể vấn đề bạn gặp phải (càng cụ thể càng tốt: việc gì, ở đâu, từ bao giờ).",
        "en": "Please describe your problem (what, where, since when).",
    },
    "problem.empty": {
        "vi": "Mình chưa nhận được nội dung. Bạn hãy gõ vấn đề của bạn bằng chữ nhé.",
        "en": "I did not get any text. Please type your problem.",
    },
    "problem.too_long": {
        "vi": "Tin nhắn dài quá ({length} ký tự, tối đa {limit}). Bạn hãy tóm tắt lại hoặc chia thành nhiều tin ngắn hơn.",
        "en": "That message is too long ({length} characters, at most {limit}). Please shorten it or split it.",
    },
    "urgent.notice": {
        "vi": "⚠️ Nếu bạn hoặc ai đó đang gặp nguy hiểm, hãy gọi ngay:\n"
        "📞 113 – Công an\n📞 114 – Cứu hỏa, cứu nạn\n📞 115 – Cấp cứu\n📞 111 – Bảo vệ trẻ em\n"
        "📞 1900 969 680 – Đường dây nóng phòng chống bạo lực giới",
        "en": "⚠️ If you or someone is in danger, call now:\n"
        "📞 113 – Police\n📞 114 – Fire and rescue\n📞 115 – Ambulance\n📞 111 – Child protection\n"
        "📞 1900 969 680 – Gender-based violence hotline",
    },
    "urgent.filed": {
        "vi": "🚨 Mình đã gửi ngay phản ánh KHẨN của bạn. Mã tra cứu: {code}\nNơi xử lý: {unit}\n"
        "Hạn xử lý: {deadline}\nĐể cán bộ giúp được nhanh hơn, bạn trả lời thêm vài câu dưới đây (có thể bỏ qua).",
        "en": "🚨 Your URGENT report is sent already. Tracking code: {code}\nHandled by: {unit}\n"
        "Due: {deadline}\nTo help staff reach you sooner, please answer a few more questions (you may skip them).",
    },
    "urgent.updated": {
        "vi": "Đã cập nhật hồ sơ {code}.\nNơi xử lý: {unit}\nĐịa bàn: {place}\nLiên hệ: {contact}",
        "en": "Case {code} is updated.\nHandled by: {unit}\nPlace: {place}\nContact: {contact}",
    },
    "urgent.stopped": {
        "vi": "Được, mình không hỏi thêm. Hồ sơ {code} vẫn đang được xử lý khẩn.",
        "en": "All right, no more questions. Case {code} is still being handled as urgent.",
    },
    "domain.ask": {
        "vi": "Mình chưa chắc phản ánh này thuộc lĩnh vực nào. Bạn chọn giúp nơi phù hợp nhất:",
        "en": "I am not sure which body this belongs to. Please choose the best fit:",
    },
    "domain.ask_two": {
        "vi": "Phản ánh này có thể thuộc {first} hoặc {second}. Bạn chọn giúp nơi phù hợp nhất "
        "(hoặc một nơi khác bên dưới):",
        "en": "This could belong to {first} or to {second}. Please choose the best fit (or another one below):",
    },
    "province.ask": {
        "vi": "Bạn đang ở tỉnh/thành phố nào? (ví dụ: Bắc Ninh, TP Hồ Chí Minh; tên tỉnh cũ như Bình Dương cũng được)",
        "en": "Which province or city are you in? (e.g. Bắc Ninh, TP Hồ Chí Minh; old names such as Bình Dương work too)",
    },
    "province.unknown": {
        "vi": "Mình chưa nhận ra tỉnh/thành phố trong \"{text}\". Bạn gõ lại tên tỉnh giúp mình, hoặc bấm Bỏ qua.",
        "en": "I could not find a province in \"{text}\". Please type the province name again, or press Skip.",
    },
    "province.old_name": {
        "vi": "{old} nay thuộc {province}.",
        "en": "{old} is now part of {province}.",
    },
    "commune.ask": {
        "vi": "Bạn ở xã/phường nào của {province}? (có thể bấm Bỏ qua)",
        "en": "Which commune or ward of {province}? (you may press Skip)",
    },
    "commune.unknown": {
        "vi": "Mình không tìm thấy xã/phường nào trong \"{text}\" thuộc {province}. Bạn gõ lại, hoặc bấm Bỏ qua.",
        "en": "I could not find a commune of {province} in \"{text}\". Type it again, or press Skip.",
    },
    "contact.ask": {
        "vi": "Cơ quan xử lý liên hệ với bạn thế nào? Bạn có thể gõ số điện thoại, hoặc chọn:",
        "en": "How should the responsible body reach you? Type a phone number, or choose:",
    },
    "contact.invalid": {
        "vi": "Số điện thoại chưa đúng (ví dụ 0912345678). Bạn gõ lại, hoặc chọn một cách bên dưới.",
        "en": "That phone number does not look right (e.g. 0912345678). Type it again, or choose below.",
    },
    "contact.chat": {"vi": "nhắn tin qua kênh này", "en": "messages in this chat"},
    "contact.anonymous": {"vi": "ẩn danh (chỉ qua kênh này)", "en": "anonymous (this chat only)"},
    "contact.phone": {"vi": "điện thoại {phone}", "en": "phone {phone}"},
    "confirm.summary": {
        "vi": "Bạn kiểm tra lại phản ánh:\n• Nội dung: {description}\n• Lĩnh vực: {domain_name}\n"
        "• Nơi nhận: {unit}\n• Địa bàn: {place}\n• Liên hệ: {contact}{urgent}\nGửi phản ánh này?",
        "en": "Please check your report:\n• What: {description}\n• Area: {domain_name}\n• Goes to: {unit}\n"
        "• Place: {place}\n• Contact: {contact}{urgent}\nSend it?",
    },
    "confirm.urgent_line": {"vi": "\n• Mức độ: KHẨN", "en": "\n• Priority: URGENT"},
    "confirm.added": {
        "vi": "Đã thêm vào nội dung phản ánh.",
        "en": "Added to your report.",
    },
    "case.created": {
        "vi": "✅ Đã tiếp nhận phản ánh. Mã tra cứu: {code}\nNơi xử lý: {unit}\nHạn xử lý dự kiến: {deadline}\n"
        "Gõ /status {code} để xem tiến độ. Bạn có thể nhắn thêm thông tin bất cứ lúc nào.",
        "en": "✅ Your report is registered. Tracking code: {code}\nHandled by: {unit}\nExpected by: {deadline}\n"
        "Type /status {code} to follow it. You can send more details at any time.",
    },
    "case.appended": {
        "vi": "Đã bổ sung tin nhắn của bạn vào hồ sơ {code}. Nếu đây là vấn đề mới, gõ /new.",
        "en": "Your message was added to case {code}. For a new problem, type /new.",
    },
    "cancelled": {
        "vi": "Đã hủy phản ánh đang soạn. Gõ /new khi bạn muốn gửi phản ánh mới.",
        "en": "The report you were writing is cancelled. Type /new to start another.",
    },
    "nothing_to_cancel": {
        "vi": "Không có phản ánh nào đang soạn để hủy.",
        "en": "There is no report in progress to cancel.",
    },
    "help": {
        "vi": "Bạn chỉ cần nhắn vấn đề của mình, mình sẽ hỏi thêm khi cần.\n"
        "/new – gửi phản ánh mới\n/status MÃ – xem tiến độ (ví dụ /status LN-7K3Q9P)\n"
        "/cancel – hủy phản ánh đang soạn\n/withdraw – rút lại đồng ý, xóa những gì chưa gửi\n/help – hướng dẫn\n"
        "Khẩn cấp: 113 (công an), 114 (cứu hỏa), 115 (cấp cứu), 111 (bảo vệ trẻ em), "
        "1900 969 680 (phòng chống bạo lực giới).",
        "en": "Just write your problem; I will ask for what is missing.\n/new – new report\n"
        "/status CODE – follow a case\n/cancel – cancel the report in progress\n"
        "/withdraw – withdraw consent, erase what is not sent\n/help – this help\n"
        "Emergencies: 113 police, 114 fire, 115 ambulance, 111 child protection, "
        "1900 969 680 gender-based violence.",
    },
    "unknown_command": {
        "vi": "Mình không hiểu lệnh {command}. Các lệnh có thể dùng: /new, /status, /cancel, /withdraw, /help.",
        "en": "I do not know the command {command}. Available: /new, /status, /cancel, /withdraw, /help.",
    },
    "unsupported": {
        "vi": "Hiện mình chỉ đọc được tin nhắn chữ. Bạn gõ nội dung bằng chữ giúp mình nhé.",
        "en": "For now I can read text only. Please type your message.",
    },
    "status.usage": {
        "vi": "Gõ /status kèm mã tra cứu, ví dụ: /status LN-7K3Q9P",
        "en": "Type /status with your tracking code, e.g. /status LN-7K3Q9P",
    },
    "status.not_found": {
        "vi": "Không tìm thấy hồ sơ {code}. Bạn kiểm tra lại mã (dạng LN-XXXXXX).",
        "en": "No case {code} found. Please check the code (like LN-XXXXXX).",
    },
    "status.line": {
        "vi": "Hồ sơ {code}: {status}.\nNơi xử lý: {unit}\nHạn xử lý: {deadline}",
        "en": "Case {code}: {status}.\nHandled by: {unit}\nDue: {deadline}",
    },
    "status.mine": {"vi": "Các phản ánh của bạn:\n{lines}", "en": "Your cases:\n{lines}"},
    "status.none": {"vi": "Bạn chưa có phản ánh nào.", "en": "You have no cases yet."},
    "staff.reply": {"vi": "💬 {unit} trả lời (hồ sơ {code}):\n{text}", "en": "💬 {unit} replies (case {code}):\n{text}"},
    "staff.ask": {
        "vi": "❓ {unit} cần thêm thông tin (hồ sơ {code}):\n{text}\nBạn trả lời ngay trong cuộc trò chuyện này.",
        "en": "❓ {unit} needs more information (case {code}):\n{text}\nJust answer in this chat.",
    },
    "staff.ask_drafting": {
        "vi": "❓ {unit} cần thêm thông tin (hồ sơ {code}):\n{text}\nBạn đang soạn một phản ánh khác: "
        "để trả lời hồ sơ này, hãy ghi mã {code} ở đầu tin nhắn.",
        "en": "❓ {unit} needs more information (case {code}):\n{text}\nYou are writing another report: "
        "start your answer with {code} so it reaches this case.",
    },
    "staff.reassigned": {
        "vi": "Hồ sơ {code} được chuyển đến {unit} là nơi có thẩm quyền giải quyết.",
        "en": "Case {code} was passed to {unit}, the body responsible.",
    },
    "staff.resolved": {
        "vi": "✅ Hồ sơ {code} đã được {unit} giải quyết:\n{text}\nBạn đánh giá kết quả từ 1 (kém) đến 5 (rất tốt):",
        "en": "✅ Case {code} was resolved by {unit}:\n{text}\nPlease rate the result from 1 (poor) to 5 (very good):",
    },
    "rating.thanks": {
        "vi": "Cảm ơn bạn đã đánh giá {rating}/5 cho hồ sơ {code}.",
        "en": "Thank you for rating case {code} {rating}/5.",
    },
    "rating.invalid": {
        "vi": "Hồ sơ {code} chưa thể đánh giá (chưa giải quyết hoặc đã đánh giá rồi).",
        "en": "Case {code} cannot be rated (not resolved yet, or already rated).",
    },
    "button.agree": {"vi": "Đồng ý", "en": "I agree"},
    "button.decline": {"vi": "Không đồng ý", "en": "I do not agree"},
    "button.second_yes": {"vi": "Gửi cả việc này", "en": "File it too"},
    "button.second_no": {"vi": "Không, cảm ơn", "en": "No, thanks"},
    "button.skip": {"vi": "Bỏ qua", "en": "Skip"},
    "button.contact_chat": {"vi": "Nhắn qua đây", "en": "Message me here"},
    "button.contact_anonymous": {"vi": "Ẩn danh", "en": "Anonymous"},
    "button.send": {"vi": "Gửi", "en": "Send"},
    "button.edit": {"vi": "Viết lại", "en": "Rewrite"},
    "button.cancel": {"vi": "Hủy", "en": "Cancel"},
    "place.unknown": {"vi": "chưa rõ", "en": "not given"},
    "status.open": {"vi": "đã tiếp nhận, chờ cơ quan nhận xử lý", "en": "received, waiting to be accepted"},
    "status.in_progress": {"vi": "đang xử lý", "en": "in progress"},
    "status.waiting_citizen": {"vi": "chờ bạn bổ sung thông tin", "en": "waiting for your details"},
    "status.resolved": {"vi": "đã giải quyết", "en": "resolved"},
    "status.cancelled": {"vi": "đã hủy", "en": "cancelled"},
    "domain.union": {"vi": "Lao động, việc làm (Công đoàn)", "en": "Work and wages (trade union)"},
    "domain.farmer": {"vi": "Nông nghiệp, nông thôn (Hội Nông dân)", "en": "Farming (Farmers' Union)"},
    "domain.women": {"vi": "Phụ nữ, gia đình (Hội Phụ nữ)", "en": "Women and family (Women's Union)"},
    "domain.youth": {"vi": "Thanh niên, học sinh, sinh viên (Đoàn Thanh niên)", "en": "Young people (Youth Union)"},
    "domain.veteran": {"vi": "Cựu chiến binh, an ninh trật tự (Hội CCB)", "en": "Veterans, neighbourhood order"},
    "domain.other": {"vi": "Vấn đề khác (Mặt trận Tổ quốc)", "en": "Something else (Fatherland Front)"},
    "photo.received": {
        "vi": "📷 Mình đã nhận ảnh, ảnh sẽ được gửi kèm phản ánh cho cán bộ xử lý.",
        "en": "📷 Photo received: it goes with your report to the staff who handle it.",
    },
    "photo.needs_words": {
        "vi": "Bạn kể giúp mình bằng lời nhé: chuyện gì đang xảy ra, ở đâu?",
        "en": "Please tell me in words too: what is happening, and where?",
    },
    "location.received": {
        "vi": "📍 Mình đã ghi nhận vị trí: {place}.",
        "en": "📍 Location noted: {place}.",
    },
    "location.outside": {
        "vi": "Vị trí này nằm ngoài Việt Nam nên mình chưa dùng được. Bạn gõ tên tỉnh/thành phố và xã/phường giúp mình nhé.",
        "en": "That location is outside Vietnam, so I cannot use it. Please type the province and commune instead.",
    },
    "deadline.by": {"vi": "trước {time} {weekday} {date}", "en": "by {time} {weekday} {date}"},
    "weekday.0": {"vi": "thứ Hai", "en": "Monday"},
    "weekday.1": {"vi": "thứ Ba", "en": "Tuesday"},
    "weekday.2": {"vi": "thứ Tư", "en": "Wednesday"},
    "weekday.3": {"vi": "thứ Năm", "en": "Thursday"},
    "weekday.4": {"vi": "thứ Sáu", "en": "Friday"},
    "weekday.5": {"vi": "thứ Bảy", "en": "Saturday"},
    "weekday.6": {"vi": "Chủ nhật", "en": "Sunday"},
    # --- issue 7: web chat page (shown by bot/templates/chat.js) and console live view ---
    "webchat.offline": {
        "vi": "Mất kết nối tới máy chủ. Tin bạn đang viết vẫn được giữ; mình sẽ tự kết nối lại.",
        "en": "Lost the connection to the server. What you are writing is kept; reconnecting by itself.",
    },
    "webchat.online": {"vi": "Đã kết nối lại.", "en": "Connected again."},
    "webchat.send_failed": {
        "vi": "Chưa gửi được (lỗi {status}). Tin vẫn nằm trong ô soạn, bạn bấm Gửi lại nhé.",
        "en": "Not sent (error {status}). Your text is still in the box; press Send again.",
    },
    "webchat.attachment": {"vi": "[tệp đính kèm]", "en": "[attachment]"},
    "webchat.my_location": {"vi": "📍 Vị trí của tôi", "en": "📍 My location"},
    "webchat.no_location": {
        "vi": "Không lấy được vị trí (trình duyệt chưa cho phép). Bạn gõ tên tỉnh/xã giúp mình nhé.",
        "en": "Could not get your location (the browser did not allow it). Please type the province/commune.",
    },
    "webchat.resume_secret": {
        "vi": "🔑 Để xem lại cuộc trò chuyện này trên máy khác: mã tra cứu {code} và mã bí mật {secret}. "
              "Hãy ghi lại: mã bí mật chỉ hiện MỘT lần, hệ thống không lưu nó.",
        "en": "🔑 To open this chat on another device: tracking code {code} and secret {secret}. "
              "Write them down: the secret is shown only ONCE and the system does not keep it.",
    },
    "webchat.resume_title": {"vi": "Tiếp tục trên thiết bị khác", "en": "Continue on another device"},
    "webchat.resume_code": {"vi": "Mã tra cứu", "en": "Tracking code"},
    "webchat.resume_secret_label": {"vi": "Mã bí mật", "en": "Secret"},
    "webchat.resume_button": {"vi": "Mở cuộc trò chuyện", "en": "Open the chat"},
    "webchat.resume_new": {"vi": "Tạo mã bí mật mới cho các hồ sơ của tôi", "en": "New secrets for my cases"},
    "webchat.resume_none": {"vi": "Bạn chưa có hồ sơ nào trong cuộc trò chuyện này.",
                            "en": "This chat has no case yet."},
    "webchat.resume_wrong": {
        "vi": "Mã tra cứu hoặc mã bí mật không đúng. Bạn kiểm tra lại (mã bí mật có dạng ABCD-EFGH).",
        "en": "The tracking code or the secret is wrong. Please check them (the secret looks like ABCD-EFGH).",
    },
    "webchat.resume_busy": {
        "vi": "Nhập sai quá nhiều lần. Bạn thử lại sau {seconds} giây.",
        "en": "Too many wrong tries. Try again in {seconds} seconds.",
    },
    "webchat.resumed": {"vi": "Đã mở cuộc trò chuyện của hồ sơ {code}.", "en": "Opened the chat of case {code}."},
    "console.live_new": {"vi": "Hồ sơ mới {code}", "en": "New case {code}"},
    "console.live_urgent": {"vi": "⚠ KHẨN CẤP: hồ sơ mới {code}, cần xử lý ngay",
                            "en": "⚠ URGENT: new case {code}, act now"},
    "console.live_citizen": {"vi": "Người dân nhắn thêm ở hồ sơ {code}", "en": "The citizen wrote more on {code}"},
    "console.live_other": {"vi": "Hồ sơ {code} có cập nhật", "en": "Case {code} changed"},
    "console.live_seen": {"vi": "Đã xem", "en": "Seen"},
    "console.live_offline": {"vi": "Mất kết nối, đang thử lại…", "en": "Connection lost, retrying…"},

    # --- issue 10: public board, Open311, open data ---
    "open311.notice": {
        "vi": "Đã chuyển đến {unit}, hạn giải quyết {deadline}.",
        "en": "Sent to {unit}, to be resolved {deadline}.",
    },
    "open311.error.api_key": {
        "vi": "Thiếu api_key hoặc api_key không hợp lệ: không thể tạo yêu cầu.",
        "en": "Missing or invalid api_key: the request cannot be created.",
    },
    "open311.error.service": {
        "vi": "Không có dịch vụ mã {code}.", "en": "There is no service with code {code}.",
    },
    "open311.error.request": {
        "vi": "Không có yêu cầu {code}.", "en": "There is no request {code}.",
    },
    "open311.error.description": {
        "vi": "Cần có description: nội dung phản ánh.", "en": "description is required: what the problem is.",
    },
    "open311.error.too_long": {
        "vi": "description dài quá {limit} ký tự.", "en": "description is longer than {limit} characters.",
    },
    "open311.error.location": {
        "vi": "Cần vị trí: lat và long (WGS84), hoặc address_string.",
        "en": "A location is required: lat and long (WGS84), or address_string.",
    },
    "open311.error.field": {
        "vi": "Giá trị của {field} không hợp lệ.", "en": "The value of {field} is not valid.",
    },
    "open311.error.dates": {
        "vi": "start_date phải trước end_date.", "en": "start_date must come before end_date.",
    },
    "open311.error.window": {
        "vi": "Khoảng thời gian tìm kiếm không được quá 90 ngày.", "en": "The date range may not span more than 90 days.",
    },
    "open311.error.status": {
        "vi": "status chỉ nhận open hoặc closed, không nhận {value}.",
        "en": "status takes open or closed, not {value}.",
    },
    "open311.error.format": {
        "vi": "Định dạng chỉ có .json hoặc .xml.", "en": "The format is .json or .xml.",
    },
    "open311.error.not_report": {
        "vi": "description không phải một phản ánh (lời chào, cảm ơn, hỏi chuyện...): không tạo yêu cầu.",
        "en": "description is not a report (a greeting, thanks, small talk...): no request was created.",
    },
    "open311.error.too_many": {
        "vi": "Quá nhiều yêu cầu từ khóa api_key này; hãy thử lại sau.",
        "en": "Too many requests with this api_key; try again later.",
    },
    "open311.error.not_found": {
        "vi": "Không có phương thức này trong GeoReport v2.", "en": "There is no such GeoReport v2 method.",
    },
    "board.title": {
        "vi": 'Công khai: tiếp nhận và giải quyết phản ánh',
        "en": 'Public board: feedback received and resolved',
    },
    "board.intro": {
        "vi": 'Số liệu tổng hợp, không có thông tin cá nhân hay nội dung phản ánh. Số dưới 5 được ghi "< 5".',
        "en": 'Totals only: no personal data and no citizens\' words. Counts under 5 show as "< 5".',
    },
    "board.switch": {
        "vi": 'English',
        "en": 'Tiếng Việt',
    },
    "board.domain": {
        "vi": 'Lĩnh vực',
        "en": 'Domain',
    },
    "board.province": {
        "vi": 'Tỉnh/thành phố',
        "en": 'Province',
    },
    "board.period": {
        "vi": 'Thời gian',
        "en": 'Period',
    },
    "board.show": {
        "vi": 'Xem',
        "en": 'Show',
    },
    "board.all_domains": {
        "vi": 'Tất cả lĩnh vực',
        "en": 'All domains',
    },
    "board.all_provinces": {
        "vi": 'Cả nước',
        "en": 'Whole country',
    },
    "board.period.4w": {
        "vi": '4 tuần qua',
        "en": 'Last 4 weeks',
    },
    "board.period.12w": {
        "vi": '12 tuần qua',
        "en": 'Last 12 weeks',
    },
    "board.period.52w": {
        "vi": '52 tuần qua',
        "en": 'Last 52 weeks',
    },
    "board.period.all": {
        "vi": 'Từ trước đến nay',
        "en": 'All time',
    },
    "board.received": {
        "vi": 'Đã tiếp nhận',
        "en": 'Received',
    },
    "board.problems": {
        "vi": 'Vấn đề (gộp phản ánh trùng)',
        "en": 'Problems (similar reports once)',
    },
    "board.resolved": {
        "vi": 'Đã giải quyết',
        "en": 'Resolved',
    },
    "board.on_time": {
        "vi": 'Đúng hạn',
        "en": 'On time',
    },
    "board.first_answer": {
        "vi": 'Trả lời lần đầu (trung vị)',
        "en": 'First answer (median)',
    },
    "board.resolution": {
        "vi": 'Giải quyết xong (trung vị)',
        "en": 'Resolution (median)',
    },
    "board.reopened": {
        "vi": 'Mở lại',
        "en": 'Reopened',
    },
    "board.rating": {
        "vi": 'Hài lòng (1-5)',
        "en": 'Satisfaction (1-5)',
    },
    "board.ratings": {
        "vi": '{n} lượt đánh giá',
        "en": '{n} ratings',
    },
    "board.hours": {
        "vi": '{n} giờ',
        "en": '{n} h',
    },
    "board.days": {
        "vi": '{n} ngày',
        "en": '{n} days',
    },
    "board.none": {
        "vi": '—',
        "en": '—',
    },
    "board.by_domain": {
        "vi": 'Theo lĩnh vực',
        "en": 'By domain',
    },
    "board.by_province": {
        "vi": 'Theo tỉnh/thành phố',
        "en": 'By province',
    },
    "board.trend": {
        "vi": '12 tuần gần nhất: tiếp nhận và giải quyết mỗi tuần',
        "en": 'The last 12 weeks: received and resolved per week',
    },
    "board.trend_label": {
        "vi": 'Tuần bắt đầu {week}: tiếp nhận {received}, giải quyết {resolved}',
        "en": 'Week of {week}: {received} received, {resolved} resolved',
    },
    "board.updated": {
        "vi": 'Cập nhật lúc {time}; số liệu được tính lại định kỳ.',
        "en": 'Updated at {time}; the figures are recomputed periodically.',
    },
    "board.definitions": {
        "vi": 'Đúng hạn: trong số phản ánh đã đến hạn hoặc đã giải quyết, tỷ lệ giải quyết trước hạn của chính phản ánh đó. Trả lời lần đầu: lần đầu cán bộ trả lời, hỏi thêm hoặc báo kết quả. Tỷ lệ, trung vị và điểm trung bình chỉ hiện khi có từ 5 phản ánh.',
        "en": 'On time: of the cases whose own deadline has come or that are resolved, the share resolved by that deadline. First answer: the first reply, question or result staff sent. Shares, medians and averages show only from 5 cases.',
    },
    "board.open_data": {
        "vi": 'Dữ liệu mở',
        "en": 'Open data',
    },
    "board.open_data_text": {
        "vi": 'Tải số liệu tổng hợp theo tuần, lĩnh vực và tỉnh/thành phố (giấy phép CC BY 4.0):',
        "en": 'Download the weekly totals per domain and province (licence CC BY 4.0):',
    },
    "board.chat_link": {
        "vi": 'Gửi phản ánh',
        "en": 'Send feedback',
    },
    "board.link": {
        "vi": 'Công khai kết quả',
        "en": 'Public results',
    },
    "board.legend_received": {
        "vi": 'tiếp nhận',
        "en": 'received',
    },
    "board.legend_resolved": {
        "vi": 'giải quyết',
        "en": 'resolved',
    },
    "topic.wage": {"vi": 'tiền lương, thu nhập', "en": 'wages and pay'},
    "topic.insurance": {"vi": 'bảo hiểm', "en": 'social insurance'},
    "topic.overtime": {"vi": 'tăng ca, giờ làm', "en": 'overtime and hours'},
    "topic.dismissal": {"vi": 'mất việc, sa thải', "en": 'dismissal'},
    "topic.safety": {"vi": 'an toàn lao động', "en": 'workplace safety'},
    "topic.land": {"vi": 'đất đai, đền bù', "en": 'land and compensation'},
    "topic.pollution": {"vi": 'ô nhiễm môi trường', "en": 'pollution'},
    "topic.farm_input": {"vi": 'vật tư nông nghiệp', "en": 'farm inputs'},
    "topic.price": {"vi": 'giá cả, tiêu thụ nông sản', "en": 'crop prices and sales'},
    "topic.water": {"vi": 'thủy lợi, ngập, hạn', "en": 'irrigation, floods, drought'},
    "topic.violence": {"vi": 'bạo lực', "en": 'violence'},
    "topic.harassment": {"vi": 'quấy rối', "en": 'harassment'},
    "topic.road": {"vi": 'đường sá, chiếu sáng', "en": 'roads and lighting'},
    "topic.drugs": {"vi": 'ma túy, tụ tập', "en": 'drugs and gatherings'},
    "topic.school": {"vi": 'trường học, học phí', "en": 'schools and fees'},
    "topic.pension": {"vi": 'chế độ, trợ cấp', "en": 'benefits and pensions'},
    "topic.owed": {"vi": 'chậm trả, nợ', "en": 'unpaid, late payment'},
    "topic.contract": {"vi": 'hợp đồng', "en": 'contracts'},
    "board.topics": {
        "vi": 'Vấn đề nổi bật',
        "en": 'Top problems',
    },
    "board.map": {
        "vi": 'Bản đồ',
        "en": 'Map',
    },
    "board.map_title": {
        "vi": 'Bản đồ phản ánh dân sinh theo tỉnh/thành phố',
        "en": 'Map of livelihood problems by province',
    },
    "board.metric": {
        "vi": 'Tô màu theo',
        "en": 'Colour by',
    },
    "board.metric.received": {
        "vi": 'Số phản ánh',
        "en": 'Reports',
    },
    "board.metric.on_time": {
        "vi": 'Tỷ lệ đúng hạn',
        "en": 'On-time rate',
    },
    "board.metric.rating": {
        "vi": 'Mức hài lòng',
        "en": 'Satisfaction',
    },
    "board.map_note": {
        "vi": 'Vòng tròn đặt tại vị trí đại diện của mỗi tỉnh/thành phố; vùng nhạt là diện tích gần đúng (bao lồi các trung tâm xã), không phải đường địa giới. Dữ liệu địa lý: gói vietnamadminunits (MIT).',
        "en": "Circles sit at each province's point; the pale areas are approximate (convex hulls of commune centres), not borders. Geography: the vietnamadminunits package (MIT).",
    },
    "board.map_list": {
        "vi": 'Danh sách tỉnh/thành phố (không cần bản đồ)',
        "en": 'Provinces as a list (no map needed)',
    },
    "publish.ask": {
        "vi": "Bạn có đồng ý công khai tiến độ giải quyết phản ánh {code} trên trang Công khai không? Chỉ hiện lĩnh vực, "
        "tỉnh/thành phố, các mốc xử lý và kết quả; không hiện nội dung bạn viết, tên hay số điện thoại. "
        "Nếu bạn không chọn, phản ánh sẽ không được công khai.",
        "en": "May we show the progress of {code} on the public page? Only its domain, province, steps and result; "
        "never what you wrote, your name or your phone. If you do not choose, it stays private.",
    },
    "publish.on": {
        "vi": "Đã công khai tiến độ phản ánh {code} tại /cong-khai/phan-anh/{code}. Bạn có thể thôi công khai bất cứ lúc nào "
        "(nút dưới đây hoặc gõ /private {code}).",
        "en": "The progress of {code} is now public at /cong-khai/phan-anh/{code}. You can take it back at any time "
        "(the button below, or type /private {code}).",
    },
    "publish.off": {
        "vi": "Phản ánh {code} không được công khai.", "en": "{code} is not public.",
    },
    "button.publish_yes": {"vi": "Đồng ý công khai tiến độ", "en": "Yes, show its progress"},
    "button.publish_no": {"vi": "Không công khai", "en": "Keep it private"},
    "board.case_title": {"vi": "Tiến độ phản ánh {code}", "en": "Progress of {code}"},
    "board.case_note": {
        "vi": "Người gửi đã đồng ý công khai tiến độ. Không hiển thị nội dung phản ánh hay thông tin cá nhân.",
        "en": "The citizen agreed to show this progress. Neither the report's text nor personal data is shown.",
    },
    "board.case_unit": {"vi": "Đơn vị xử lý", "en": "Handled by"},
    "board.case_status": {"vi": "Trạng thái", "en": "Status"},
    "board.case_deadline": {"vi": "Hạn giải quyết", "en": "Deadline"},
    "board.case_result": {"vi": "Kết quả", "en": "Result"},
    "board.case_steps": {"vi": "Các mốc xử lý", "en": "Steps"},
    "step.created": {"vi": "Tiếp nhận", "en": "Received"},
    "step.accepted": {"vi": "Đơn vị nhận xử lý", "en": "Accepted by the unit"},
    "step.information_requested": {"vi": "Hỏi thêm thông tin", "en": "More information asked"},
    "step.staff_reply": {"vi": "Đơn vị trả lời", "en": "The unit answered"},
    "step.reassigned": {"vi": "Chuyển đơn vị phù hợp", "en": "Moved to the right body"},
    "step.escalated": {"vi": "Chuyển lên cấp trên", "en": "Escalated"},
    "step.resolved": {"vi": "Giải quyết xong", "en": "Resolved"},
}


def render(key: str, language: str = "vi", params: Mapping[str, Any] | None = None) -> str:
    """The sentence for `key` in `language` (Vietnamese when that language lacks it)."""
    entry = CATALOGUE[key]
    template = entry.get(language) or entry["vi"]
    return template.format(**params) if params else template


# --- issue 9: citizens' data rights, supervisors' deadline extensions ---
CATALOGUE.update({
    "data.shown": {
        "vi": "Dữ liệu chúng tôi đang lưu về bạn:\n• Kênh: {channel}\n• Tên hiển thị: {name}\n"
        "• Đồng ý xử lý dữ liệu ngày: {consent}\n• Tin nhắn: {messages}\n• Phản ánh:\n{cases}\n\n"
        "Gõ /xoa để xóa dữ liệu của bạn (các phản ánh được ẩn danh, chỉ giữ số liệu thống kê).",
        "en": "What we hold about you:\n• Channel: {channel}\n• Display name: {name}\n"
        "• Consent given on: {consent}\n• Messages: {messages}\n• Reports:\n{cases}\n\n"
        "Type /delete to delete your data (your reports are anonymised; only statistics stay).",
    },
    "data.case_line": {
        "vi": "  {code} ({status}), địa bàn: {place}, điện thoại: {phone}\n  «{text}»",
        "en": "  {code} ({status}), place: {place}, phone: {phone}\n  «{text}»",
    },
    "data.has_messages": {"vi": "có, các tin bạn đã gửi trong cuộc trò chuyện này", "en": "yes, what you wrote in this chat"},
    "data.no_messages": {"vi": "không còn tin nào", "en": "none left"},
    "data.no_cases": {"vi": "  (không có)", "en": "  (none)"},
    "data.erase_ask": {
        "vi": "Bạn muốn xóa toàn bộ dữ liệu cá nhân của mình? Nội dung tin nhắn, số điện thoại, vị trí và ảnh sẽ bị xóa; "
        "các phản ánh được ẩn danh (chỉ giữ số liệu thống kê) và không thể khôi phục.",
        "en": "Delete all your personal data? Your messages, phone number, location and photos are deleted; your "
        "reports are anonymised (only statistics stay). This cannot be undone.",
    },
    "data.erased": {
        "vi": "Đã xóa dữ liệu cá nhân của bạn; {cases} phản ánh đã được ẩn danh. Nếu nhắn tiếp, bạn sẽ được hỏi đồng ý lại.",
        "en": "Your personal data is deleted; {cases} report(s) anonymised. If you write again, we will ask for "
        "your consent again.",
    },
    "data.erase_kept": {"vi": "Đã giữ nguyên, không xóa gì.", "en": "Nothing was deleted."},
    "data.erased_marker": {"vi": "(đã xóa theo yêu cầu của người dân)", "en": "(deleted at the citizen's request)"},
    "button.erase_yes": {"vi": "Xóa dữ liệu của tôi", "en": "Delete my data"},
    "button.erase_no": {"vi": "Không xóa", "en": "Keep it"},
    "supervisor.extended": {
        "vi": "Hạn giải quyết hồ sơ {code} được gia hạn đến {deadline}.",
        "en": "The deadline of case {code} was extended to {deadline}.",
    },
    # --- issue 10: topics named by words (handlers/topics.py) ---
    "board.topic_plain": {
        "vi": "{topic} ({count})",
        "en": "{topic} ({count})",
    },
    "board.topic_up": {
        "vi": "{topic} ({count}, tăng so với {previous} kỳ trước)",
        "en": "{topic} ({count}, up from {previous} the period before)",
    },
    "board.topic_down": {
        "vi": "{topic} ({count}, giảm so với {previous} kỳ trước)",
        "en": "{topic} ({count}, down from {previous} the period before)",
    },
    "board.topic_same": {
        "vi": "{topic} ({count}, như kỳ trước)",
        "en": "{topic} ({count}, as in the period before)",
    },
})


# --- reopen (issue 9.6) ---
CATALOGUE.update({
    "button.reopen": {"vi": "Chưa được giải quyết", "en": "Not fixed"},
    "console.live_reopened": {"vi": "Người dân báo hồ sơ {code} chưa được giải quyết: đã mở lại",
                              "en": "The citizen says {code} is not fixed: reopened"},
    "reopen.ask_reason": {
        "vi": "Bạn cho biết vấn đề của hồ sơ {code} còn chưa được giải quyết ở điểm nào? "
        "Mình sẽ chuyển lại cho {unit} kèm ý kiến của bạn. (Gõ /cancel nếu bạn đổi ý.)",
        "en": "What is still not fixed in case {code}? I will send it back to {unit} with your words. "
        "(Type /cancel if you change your mind.)",
    },
    "reopen.done": {
        "vi": "Đã mở lại hồ sơ {code} và chuyển lại cho {unit}. Hạn giải quyết mới: {deadline}. "
        "Bạn sẽ nhận được trả lời ngay trong cuộc trò chuyện này.",
        "en": "Case {code} is reopened and back with {unit}. New deadline: {deadline}. "
        "You will get the answer in this chat.",
    },
    "reopen.too_late": {
        "vi": "Hồ sơ {code} đã giải quyết xong hơn {days} ngày nên không mở lại được nữa. Mình rất tiếc vì vấn đề "
        "vẫn còn. Bạn hãy gửi một phản ánh mới (gõ /new rồi kể lại sự việc, có thể ghi mã {code} để cán bộ "
        "tra cứu), mình sẽ chuyển ngay đến nơi có thẩm quyền.",
        "en": "Case {code} was resolved more than {days} days ago, so it can no longer be reopened. I am sorry the "
        "problem is still there. Please send a new report (type /new and tell what happens, you may mention "
        "{code} so staff can look it up) and I will pass it on at once.",
    },
    "reopen.not_resolved": {
        "vi": "Hồ sơ {code} vẫn đang được {unit} xử lý, chưa kết thúc nên không cần mở lại. "
        "Bạn cứ nhắn thêm thông tin, mình sẽ gửi kèm hồ sơ.",
        "en": "Case {code} is still being handled by {unit}; there is nothing to reopen. "
        "Just write here and I will add it to the case.",
    },
    "reopen.not_found": {
        "vi": "Mình không tìm thấy hồ sơ {code} nào của bạn đã giải quyết xong.",
        "en": "I found no resolved case {code} of yours.",
    },
    "reopen.usage": {
        "vi": "Bạn chưa có hồ sơ nào đã giải quyết để mở lại. Cách dùng: /mo_lai MÃ (ví dụ /mo_lai LN-7K3Q9P).",
        "en": "You have no resolved case to reopen. Usage: /reopen CODE (e.g. /reopen LN-7K3Q9P).",
    },
    "reopen.empty_reason": {
        "vi": "Bạn viết vài chữ về điều còn chưa được giải quyết nhé (hoặc gõ /cancel để thôi).",
        "en": "Please write a few words about what is not fixed (or type /cancel to stop).",
    },
    "reopen.cancelled": {
        "vi": "Đã thôi, hồ sơ {code} vẫn giữ kết quả đã giải quyết.",
        "en": "All right, case {code} stays resolved.",
    },
    "feedback.ask": {
        "vi": "Điều gì chưa ổn? Bạn nói ngắn gọn giúp mình để cải thiện cách giải quyết.",
        "en": "What was not right? A few words help us do better.",
    },
    "feedback.thanks": {
        "vi": "Cảm ơn bạn đã góp ý, ý kiến đã được ghi vào hồ sơ {code} và chuyển đến bộ phận kiểm tra chất lượng.",
        "en": "Thank you, your feedback is on case {code} and goes to our quality reviewers.",
    },
    "feedback.reopen_hint": {
        "vi": "Nếu vấn đề vẫn chưa được giải quyết, bạn bấm «Chưa được giải quyết» để mở lại hồ sơ.",
        "en": "If the problem is still there, press «Not fixed» to reopen the case.",
    },
})


# --- staff notices (issues 7 and 9) ---
CATALOGUE.update({
    "staff.linked": {
        "vi": "Đã liên kết cuộc trò chuyện này với tài khoản cán bộ {name}. Từ nay bạn nhận ở đây thông báo ngắn "
        "(mã hồ sơ, lĩnh vực, hạn) khi đơn vị có hồ sơ mới, khi người dân trả lời và khoảng 1 giờ trước hạn. "
        "Hủy liên kết trong bàn làm việc, mục «Thông báo qua chat».",
        "en": "This chat is now linked to the staff account {name}. You will get short notices here (case code, "
        "domain, deadline) when a case reaches your unit, when a citizen answers, and about an hour before a "
        "deadline. Unlink it in the console under «Thông báo qua chat» (chat notices).",
    },
    "staff.link_refused": {
        "vi": "Mã liên kết này không đúng hoặc đã hết hạn (mã dùng được 15 phút, một lần). Bạn tạo mã mới trong "
        "bàn làm việc, mục «Thông báo qua chat», rồi gửi lại nhé.",
        "en": "This link code is wrong or has expired (a code works once, for 15 minutes). Please make a new one "
        "in the console under «Thông báo qua chat» (chat notices) and send it again.",
    },
    "staff.link_channel": {
        "vi": "Tài khoản cán bộ chỉ liên kết được với Telegram hoặc Zalo, không phải trang trò chuyện trên web.",
        "en": "A staff account can be linked to Telegram or Zalo, not to the web chat.",
    },
    "staff.help": {
        "vi": "Đây là kênh nhận thông báo của cán bộ {name}: mình chỉ gửi thông báo ngắn ở đây, không nhận phản ánh. "
        "Hãy xử lý hồ sơ trong bàn làm việc. Khẩn cấp: 113 (công an), 114 (cứu hỏa), 115 (cấp cứu).",
        "en": "This chat receives notices for the staff member {name}: only short notices come here, no reports "
        "are taken. Please work on cases in the console. Emergency: 113 (police), 114 (fire), 115 (ambulance).",
    },
    "staff_notice.new": {
        "vi": "Hồ sơ mới {code} · {domain} · hạn {deadline}. Mở bàn làm việc để xem.",
        "en": "New case {code} · {domain} · due {deadline}. Open the console to see it.",
    },
    "staff_notice.urgent": {
        "vi": "KHẨN CẤP: hồ sơ {code} · {domain} · cần xử lý ngay, hạn {deadline}. Mở bàn làm việc ngay.",
        "en": "URGENT: case {code} · {domain} · act now, due {deadline}. Open the console now.",
    },
    "staff_notice.answer": {
        "vi": "Người dân vừa trả lời trong hồ sơ {code} · {domain} · hạn {deadline}.",
        "en": "The citizen answered on case {code} · {domain} · due {deadline}.",
    },
    "staff_notice.reopened": {
        "vi": "Người dân báo hồ sơ {code} chưa được giải quyết: đã mở lại · {domain} · hạn {deadline}.",
        "en": "The citizen says case {code} is not fixed: reopened · {domain} · due {deadline}.",
    },
    "staff_notice.reminder": {
        "vi": "Còn khoảng 1 giờ: hồ sơ {code} · {domain} · hạn {deadline}.",
        "en": "About an hour left: case {code} · {domain} · due {deadline}.",
    },
})
