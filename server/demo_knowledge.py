# ruff: noqa: RUF001, E501  (the zh-CN texts use Chinese punctuation; bodies are prose, one paragraph a line)
"""The demo tenant's small knowledge base, as data: what a field engineer of a cold-storage and
plant service company reaches for on a job, in Chinese and in English.

- fault-code tables (``fault_codes``): the Mitsubishi MELSEC FX3U PLC error codes (the demo's
  packaging-line PLC, ``PL-PK-0101``) and the alarm codes of the Dixell XR cold-room
  controllers;
- cold-room troubleshooting (``article``): compressor, condenser fan and condenser coil, door
  seal and door heater, temperature probes, evaporator icing and defrost (the demo's freezer
  rooms, ``CS-FR-0012`` / ``CS-FR-0013``);
- reply templates (``reply_template``) for the messages a dispatcher or engineer sends the
  customer during a repair.

``TOPICS`` groups each subject's Chinese and English article; ``ARTICLES`` is all of them, each
to be created published. ``asset_families`` and ``device_code_prefixes`` name the demo's
assets (``server.admin._build_demo``) so the suggestions for the demo's work orders find them;
``alarm_types`` name the IoT alarms (``mobile_contract.iot.AlarmType``) an article helps with.

The codes follow the manufacturers' manuals (Mitsubishi FX3S/FX3G/FX3GC/FX3U/FX3UC programming
manual and data-communication manuals; Dixell XR-CX installing and operating instructions);
each table lists the codes met in the field, not every code, and says so. A reply template's
body holds placeholders in braces (``PLACEHOLDERS``) that the sender fills in.
"""

from typing import Final

from mobile_contract.iot import AlarmType
from mobile_contract.knowledge import ArticleCreate, ArticleLanguage, FaultCode

#: The placeholders a reply template may use, each written ``{name}`` in its body.
PLACEHOLDERS: Final = frozenset(
    {
        "customer",  # the customer's contact, e.g. 周经理 / Mr Zhou
        "engineer",  # the engineer's name
        "eta",  # the engineer's arrival window, e.g. 今天 14:00-15:00
        "work_order",  # the work-order number
        "site",  # the site's name
        "asset",  # the asset's name or device code
        "phone",  # the service desk's or engineer's phone number
        "fault",  # the cause found
        "part",  # the part(s) on order
        "parts_eta",  # when the parts are expected
        "work_done",  # what was done (or the temporary measure in place)
        "advice",  # the engineer's advice to the customer
    }
)

_PLC_FAMILIES: Final = ("plc",)
_PLC_PREFIXES: Final = ("PL-PK-",)
_COLD_ROOM_PREFIXES: Final = ("CS-FR-",)


def _codes(rows: tuple[tuple[str, str, str, str], ...]) -> list[FaultCode]:
    return [
        FaultCode(code=code, meaning=meaning, likely_cause=cause, fix=fix)
        for code, meaning, cause, fix in rows
    ]


# --- Mitsubishi FX3U PLC error codes ------------------------------------------------------------

_FX3U_BODY_ZH = """\
适用：包装线等设备上的三菱 MELSEC FX3U / FX3UC 基本单元。FX3S、FX3G 的错误代码体系基本相同，个别代码以对应机型手册为准。本表只列现场常见代码，完整列表见三菱《FX3S/FX3G/FX3GC/FX3U/FX3UC 编程手册》"错误代码"一章。

一、先看面板指示灯
- POWER 灯灭：检查 PLC 电源；POWER 灯闪烁：多为电源电压不足，或 24V DC 供给电源（传感器电源）过载、短路——拆下 24V 负载接线后再试。
- ERROR 灯闪烁：程序错误——参数错误（M8064）、语法错误（M8065）、回路错误（M8066），PLC 不能进入 RUN。
- ERROR 灯常亮：CPU 错误——看门狗定时器错误（6105）或 PLC 硬件错误（M8061），PLC 停止运行，输出 OFF。
- BATT 灯亮：后备电池电压低（M8005），尽快备份程序并更换电池。

二、读取错误代码
- 用 GX Works2 连接 PLC，菜单"诊断 → PLC 诊断"可直接看到当前错误代码和出错步号。
- 也可在软元件监视中查看特殊寄存器：
  D8060：I/O 构成错误（M8060），存放未安装 I/O 的起始编号，例如 1020 表示输入 X020 不存在（首位 1 = 输入 X，0 = 输出 Y）；PLC 继续运行。
  D8061：PLC 硬件错误（M8061）。
  D8063：串行通信错误 ch1（M8063）；ch2 为 D8438（M8438），代码以 38 开头。
  D8064：参数错误（M8064）；D8065：语法错误（M8065）；D8066：回路错误（M8066）。
  D8067：运算错误（M8067），PLC 继续运行，但出错的指令不执行；D8068 锁存发生运算错误的步号。
  D8069：M8065～M8067 错误的发生步号，按此步号在程序中定位。
- 66xx 为回路错误（梯形图结构问题，例如 LD/LDI 与 ANB/ORB、MPS/MPP、MC/MCR、FOR/NEXT 不配对），同样用 D8069 找步号，在 GX Works2 中修改后重新写入。
- 触摸屏（HMI）上显示的"E-204"之类报警号，多为设备厂家在程序里自定义的报警编号，不是 PLC 错误代码：应查设备（OEM）随机资料的报警清单，或在程序中查找对应的报警位。
- 排除原因后，将 PLC 从 STOP 切到 RUN 或断电再上电；若仍报同一代码，说明原因未排除。

三、现场安全
- 停线、修改程序、强制输出之前，先与生产负责人确认，并把设备置于安全状态（急停、气源/液压泄压、机械锁定）。
- 接线、更换模块前断开 PLC 电源和外部 I/O 电源，上锁挂牌并验电；输出端子可能接有外部电源。
- 执行"PLC 存储器清除"或写入程序之前，先读出并备份现有程序、参数、注释和停电保持数据，并与客户确认程序版本。
- 修复后逐一确认急停、安全门、光幕等安全回路动作正常，再交付生产。
"""

_FX3U_BODY_EN = """\
Applies to Mitsubishi MELSEC FX3U / FX3UC main units on packaging lines and similar machines. The FX3S and FX3G use essentially the same error codes; check the manual of the model for the few that differ. This table lists the codes met in the field, not every code; the full list is in the "Error codes" chapter of Mitsubishi's FX3S/FX3G/FX3GC/FX3U/FX3UC Programming Manual.

1. Read the LEDs first
- POWER off: check the PLC supply. POWER flashing: usually low supply voltage, or the 24 V DC service supply (sensor supply) overloaded or short-circuited - disconnect the 24 V loads and try again.
- ERROR flashing: program error - parameter error (M8064), syntax error (M8065) or circuit error (M8066); the PLC will not go to RUN.
- ERROR lit: CPU error - watchdog timer error (6105) or PLC hardware error (M8061); the PLC stops and the outputs turn off.
- BATT lit: backup battery voltage low (M8005); back up the program and replace the battery soon.

2. Read the error code
- Connect GX Works2 and open Diagnostics > PLC Diagnostics: it shows the current error code and the step where it occurred.
- Or monitor the special registers:
  D8060: I/O configuration error (M8060), the first number of the missing I/O, e.g. 1020 = input X020 does not exist (first digit 1 = input X, 0 = output Y); the PLC keeps running.
  D8061: PLC hardware error (M8061).
  D8063: serial communication error ch1 (M8063); ch2 is D8438 (M8438), with codes starting 38.
  D8064: parameter error (M8064); D8065: syntax error (M8065); D8066: circuit error (M8066).
  D8067: operation error (M8067); the PLC keeps running but the failing instruction is not executed; D8068 latches the step of the operation error.
  D8069: the step of an M8065-M8067 error; use it to find the place in the program.
- 66xx codes are circuit errors (ladder structure: LD/LDI against ANB/ORB, MPS/MPP, MC/MCR or FOR/NEXT not matching); find the step with D8069, correct it in GX Works2 and write the program again.
- An alarm number such as "E-204" on the machine's touch panel (HMI) is usually the machine builder's own alarm number, not a PLC error code: look it up in the OEM's alarm list or find the alarm bit in the program.
- After removing the cause, switch the PLC from STOP to RUN or power-cycle it; if the same code returns, the cause is still there.

3. Safety on site
- Before stopping the line, changing the program or forcing outputs, agree it with the production supervisor and put the machine in a safe state (emergency stop, air/hydraulics vented, mechanisms locked).
- Before wiring work or changing a module, switch off the PLC supply and the external I/O supplies, lock out, tag out and prove dead; output terminals may carry external voltage.
- Before "PLC memory clear" or writing a program, read and back up the existing program, parameters, comments and latched data, and confirm the program version with the customer.
- After the repair, check that emergency stops, guard doors, light curtains and other safety circuits work before handing the line back.
"""

_FX3U_CODES_ZH = (
    (
        "6101",
        "RAM 错误（PLC 硬件错误，M8061）",
        "内部存储器异常；强电磁干扰或浪涌；电池耗尽后程序数据损坏；基本单元故障。",
        "检查接地（PLC 单独接地，不与变频器、电机等动力设备共地）和干扰源，断电重启；仍报错时写入备份程序再试；无法消除则更换基本单元。",
    ),
    (
        "6102",
        "运算电路错误（PLC 硬件错误，M8061）",
        "CPU 运算电路异常，多为基本单元硬件故障或强干扰。",
        "排查干扰后断电重启；反复出现则更换基本单元。",
    ),
    (
        "6103",
        "I/O 总线错误（M8069 为 ON 时检测）",
        "扩展电缆松动、插接不良或损坏；扩展单元、扩展模块故障。",
        "断电后重新插好扩展电缆和各模块，检查连接器针脚；逐个拆除扩展设备以确定故障件并更换。",
    ),
    (
        "6104",
        "扩展单元 24V DC 电源异常（M8069 为 ON 时检测）",
        "带电源的扩展单元/模块的 24V DC 电源断开或电压不足；电源接线错误；24V 负载过载或短路。",
        "测量扩展单元的 24V DC 供电，检查电源接线和保险；逐路断开负载查找短路点。",
    ),
    (
        "6105",
        "看门狗定时器错误：扫描时间超过 D8000 设定值（默认 200 ms）",
        "程序扫描时间过长：FOR-NEXT 循环次数过多，CJ 向前跳转形成循环，每个扫描周期大量访问特殊功能模块，中断程序过长。",
        "监视 D8012（最大扫描时间，单位 0.1 ms）；优化程序，在长循环中插入 WDT 指令，或在程序开头用 MOV 指令加大 D8000；修改后 STOP→RUN 验证。",
    ),
    (
        "BATT",
        "BATT 灯亮：电池电压低（M8005/M8006，D8005 为当前电压，单位 0.1 V）",
        "FX3U-32BL 锂电池寿命到期（约 5 年，控制柜温度高时更短）。若 M8030 为 ON，BATT 灯不会点亮，应直接看 M8005。",
        "先读出备份程序和停电保持数据，再按硬件手册尽快更换 FX3U-32BL；更换后确认 BATT 灯熄灭、保持数据正确。",
    ),
    (
        "6301",
        "串行通信 ch1：奇偶校验错误、溢出错误或帧错误",
        "通信格式（波特率、数据长度、校验、停止位）与对方设备不一致；RS-485 的 A/B 线接反、缺终端电阻、屏蔽接地不良；变频器动力线干扰。",
        "使通信设置（PLC 参数或所用通信功能的格式寄存器，如 D8120、D8400）与对方一致；检查接线和终端电阻；通信线远离变频器输出线。",
    ),
    (
        "6305",
        "串行通信 ch1：命令错误（计算机链接）",
        "收到 PLC 不支持的命令；站号为 FF 时发送了 GW 以外的命令。",
        "检查上位机或触摸屏的协议设置和命令格式，核对站号。",
    ),
    (
        "6306",
        "串行通信 ch1：监视超时（接收报文不完整）",
        "对方设备未响应或报文不完整；通信线断开；超时时间设得过短。",
        "检查通信线和对方设备状态、站号与协议；必要时适当加大超时时间。",
    ),
    (
        "6320",
        "串行通信 ch1：变频器通信错误",
        "与变频器的 RS-485 通信异常：变频器的站号、速率或协议设置与 PLC 不一致（三菱 FR 系列为 Pr.117～Pr.124、Pr.549），接线或终端电阻问题，变频器未上电。",
        "使变频器通信参数与 PLC 一致（修改后变频器需重新上电才生效）；检查 485 接线和终端电阻；在变频器侧查看其通信报警。",
    ),
    (
        "6321",
        "串行通信 ch1：MODBUS 通信错误",
        "MODBUS 通信出错，错误代码存于 D8402，详细信息存于 D8403。",
        "读取 D8402/D8403，按《FX3U MODBUS 通信手册》处理；ch2 对应 D8438 = 3821，详细信息在 D8422/D8423。",
    ),
    (
        "6401",
        "参数错误：程序的和校验（sum check）错误",
        "程序或参数数据损坏：写入过程中断、干扰、电池耗尽或存储器盒故障。",
        "从备份重新写入参数和程序；再次出现时检查电池、存储器盒和基本单元。",
    ),
    (
        "6402",
        "参数错误：存储器容量设定错误",
        "参数中设定的存储器容量超过实际安装的存储器（例如按存储器盒设定，但未安装存储器盒）。",
        "在 GX Works2 的 PLC 参数中修正存储器容量，重新写入参数和程序。",
    ),
    (
        "6501",
        "语法错误：指令、软元件符号与软元件编号的组合错误",
        "程序编辑错误，或存储器中的程序数据损坏。",
        "用 D8069 查出错步号，在 GX Works2 中修正后重新写入；怀疑数据损坏时写入备份程序。",
    ),
    (
        "6503",
        "语法错误：OUT T/OUT C 后没有设定值，或应用指令的操作数个数不足",
        "程序编辑错误或程序数据损坏。",
        "按 D8069 的步号补全定时器/计数器设定值或指令操作数，重新写入。",
    ),
    (
        "6504",
        "语法错误：标签编号重复，或同一中断输入、高速计数器输入被重复使用",
        "程序中同一个 P 指针重复定义，或中断与高速计数器占用了同一输入点。",
        "修改程序消除重复，重新写入。",
    ),
    (
        "6505",
        "语法错误：软元件编号超出允许范围",
        "使用了该机型不存在的软元件编号，常见于从其他机型移植的程序。",
        "按该机型的软元件范围修改程序，并确认 GX Works2 中的 PLC 机型设置正确。",
    ),
    (
        "6506",
        "语法错误：无效指令",
        "程序中有该机型（或该版本）不支持的指令，常见于机型设置不一致或从其他机型转换的程序。",
        "确认 PLC 机型设置与实际一致，改用该机型支持的指令后重新写入。",
    ),
    (
        "6701",
        "运算错误：CJ 或 CALL 没有跳转目标",
        "跳转目标标签不存在；标签写在 END 之后；FOR-NEXT 之间或子程序之间有单独的标签。",
        "按 D8069 的步号修正跳转目标和标签位置。",
    ),
    (
        "6702",
        "运算错误：CALL 嵌套达到 6 层以上",
        "子程序调用嵌套超过允许的 5 层。",
        "减少子程序嵌套层数。",
    ),
    (
        "6704",
        "运算错误：FOR-NEXT 嵌套达到 6 层以上",
        "FOR-NEXT 循环嵌套超过允许的 5 层。",
        "减少循环嵌套层数，或拆分为多个循环。",
    ),
    (
        "6705",
        "运算错误：应用指令的操作数使用了不能使用的软元件",
        "操作数指定了该指令不支持的软元件类型。",
        "按编程手册中该指令的可用软元件修改操作数。",
    ),
    (
        "6706",
        "运算错误：应用指令操作数的软元件编号范围或数据值超出限制",
        "变址寄存器（V、Z）修饰后的地址越界；数据超出指令允许的范围；批量传送的点数超出软元件范围。",
        "监视出错步相关的 V/Z 和数据值，修改程序加入范围判断；该错误不停机，但出错指令不执行，设备动作可能异常。",
    ),
    (
        "6707",
        "运算错误：未设定文件寄存器参数却访问了文件寄存器",
        "程序使用了文件寄存器，但 PLC 参数中未分配文件寄存器容量。",
        "在 PLC 参数中设定文件寄存器容量，重新写入参数和程序。",
    ),
    (
        "6708",
        "运算错误：FROM/TO 指令错误",
        "指定单元号的特殊功能模块不存在、未上电或连接不良；缓冲存储器（BFM）编号错误。",
        "核对特殊功能模块的单元号（从基本单元右侧开始依次为 0～7）、供电和扩展电缆；检查 BFM 编号。",
    ),
)

_FX3U_CODES_EN = (
    (
        "6101",
        "RAM error (PLC hardware error, M8061)",
        "Internal memory fault; severe electrical noise or surges; program data corrupted after the backup battery ran flat; faulty main unit.",
        "Check the grounding (the PLC on its own ground, not shared with drives or motors) and noise sources, then power-cycle. If it persists, write the backed-up program and try again; if it cannot be cleared, replace the main unit.",
    ),
    (
        "6102",
        "Operation circuit error (PLC hardware error, M8061)",
        "Fault in the CPU's operation circuit, usually main-unit hardware or severe noise.",
        "Remove noise sources and power-cycle; if it recurs, replace the main unit.",
    ),
    (
        "6103",
        "I/O bus error (checked while M8069 is ON)",
        "Extension cable loose, badly seated or damaged; faulty extension unit or block.",
        "Power off, reseat the extension cables and modules and inspect the connector pins; remove extensions one by one to find the faulty one and replace it.",
    ),
    (
        "6104",
        "24 V DC power failure of an extension unit (checked while M8069 is ON)",
        "The 24 V DC supply of a powered extension unit or block is missing or too low; supply wiring error; 24 V loads overloaded or short-circuited.",
        "Measure the 24 V DC at the extension unit, check its supply wiring and fuse; disconnect loads one circuit at a time to find a short.",
    ),
    (
        "6105",
        "Watchdog timer error: the scan time exceeded D8000 (default 200 ms)",
        "Scan time too long: FOR-NEXT loops with many repetitions, a CJ jumping back to form a loop, many special-block accesses per scan, long interrupt routines.",
        "Monitor D8012 (maximum scan time, 0.1 ms units). Shorten the program path, put WDT instructions in long loops, or raise D8000 with a MOV at the start of the program; check with STOP then RUN.",
    ),
    (
        "BATT",
        "BATT LED lit: battery voltage low (M8005/M8006; D8005 = voltage in 0.1 V)",
        "FX3U-32BL lithium battery at end of life (about 5 years, less in a hot cabinet). With M8030 ON the LED stays off: read M8005 instead.",
        "Back up the program and the latched data first, then replace the FX3U-32BL promptly as the hardware manual describes; check that the LED goes out and the latched data are intact.",
    ),
    (
        "6301",
        "Serial communication ch1: parity, overrun or framing error",
        "Communication format (baud rate, data length, parity, stop bits) differs from the other device; RS-485 A/B swapped, termination missing, poor shield grounding; noise from drive cables.",
        "Make the communication settings (PLC parameters or the format register of the function in use, e.g. D8120, D8400) match the other device; check wiring and termination; route the cable away from drive output cables.",
    ),
    (
        "6305",
        "Serial communication ch1: command error (computer link)",
        "A command the PLC does not support was received, or a command other than GW was sent to station number FF.",
        "Check the protocol settings and command format in the host or touch panel; check the station numbers.",
    ),
    (
        "6306",
        "Serial communication ch1: monitoring time-out (message incomplete)",
        "The other device did not answer or the message was incomplete; broken cable; time-out set too short.",
        "Check the cable, the other device, station number and protocol; lengthen the time-out if needed.",
    ),
    (
        "6320",
        "Serial communication ch1: inverter communication error",
        "The RS-485 link to the inverter fails: station number, speed or protocol on the inverter do not match the PLC (Mitsubishi FR series: Pr.117 to Pr.124, Pr.549), wiring or termination faults, inverter not powered.",
        "Make the inverter's communication parameters match the PLC (the inverter must be powered off and on for them to apply); check the RS-485 wiring and termination; check the inverter's own communication alarm.",
    ),
    (
        "6321",
        "Serial communication ch1: MODBUS communication error",
        "A MODBUS communication error: the error code is in D8402 and its details in D8403.",
        "Read D8402/D8403 and act as the FX3U MODBUS communication manual says; on ch2 the error is 3821 in D8438 with details in D8422/D8423.",
    ),
    (
        "6401",
        "Parameter error: program sum check error",
        "Program or parameter data corrupted: a write was interrupted, noise, a flat battery or a faulty memory cassette.",
        "Write the parameters and program again from the backup; if it returns, check the battery, memory cassette and main unit.",
    ),
    (
        "6402",
        "Parameter error: memory capacity setting error",
        "The memory capacity set in the parameters exceeds the memory fitted (e.g. set for a memory cassette that is not installed).",
        "Correct the memory capacity in the PLC parameters in GX Works2 and write parameters and program again.",
    ),
    (
        "6501",
        "Syntax error: wrong combination of instruction, device symbol and device number",
        "Editing error, or program data corrupted in memory.",
        "Find the step with D8069, correct it in GX Works2 and write the program again; if the data look corrupted, write the backed-up program.",
    ),
    (
        "6503",
        "Syntax error: no set value after OUT T or OUT C, or too few operands for an applied instruction",
        "Editing error or corrupted program data.",
        "At the step in D8069, complete the timer/counter set value or the instruction's operands and write the program again.",
    ),
    (
        "6504",
        "Syntax error: a label number used more than once, or the same interrupt input or high-speed counter input used more than once",
        "A P pointer defined twice, or an interrupt and a high-speed counter using the same input.",
        "Remove the duplicate in the program and write it again.",
    ),
    (
        "6505",
        "Syntax error: device number out of the allowed range",
        "A device number that this model does not have, typical of programs ported from another model.",
        "Correct the program to this model's device ranges and check the PLC model selected in GX Works2.",
    ),
    (
        "6506",
        "Syntax error: invalid instruction",
        "An instruction this model (or this firmware version) does not support, typical of a wrong model setting or a converted program.",
        "Set the PLC model that is actually fitted and use instructions it supports, then write the program again.",
    ),
    (
        "6701",
        "Operation error: no jump destination for CJ or CALL",
        "The destination label does not exist; a label placed after END; a separate label inside FOR-NEXT or between subroutines.",
        "At the step in D8069, correct the jump destination and the label positions.",
    ),
    (
        "6702",
        "Operation error: CALL nested 6 or more levels deep",
        "Subroutine calls nested beyond the 5 levels allowed.",
        "Reduce the subroutine nesting.",
    ),
    (
        "6704",
        "Operation error: FOR-NEXT nested 6 or more levels deep",
        "FOR-NEXT loops nested beyond the 5 levels allowed.",
        "Reduce the loop nesting or split it into separate loops.",
    ),
    (
        "6705",
        "Operation error: an applied instruction's operand is a device it cannot use",
        "The operand names a device type the instruction does not accept.",
        "Change the operand to a device the programming manual allows for that instruction.",
    ),
    (
        "6706",
        "Operation error: an applied instruction's device range or data value exceeds its limit",
        "An address pushed out of range by the index registers (V, Z); a value outside the instruction's range; a block transfer running past the end of the device range.",
        "Monitor V/Z and the data at the failing step and add range checks to the program. The PLC keeps running but the instruction is not executed, so the machine may misbehave.",
    ),
    (
        "6707",
        "Operation error: file registers accessed without a file-register parameter",
        "The program uses file registers but no file-register capacity is set in the PLC parameters.",
        "Set the file-register capacity in the PLC parameters and write parameters and program again.",
    ),
    (
        "6708",
        "Operation error: FROM/TO instruction error",
        "No special function block at the unit number given, or it is unpowered or badly connected; wrong buffer memory (BFM) number.",
        "Check the special block's unit number (0 to 7 counting from the main unit outwards), its power supply and extension cable; check the BFM number.",
    ),
)

_FX3U_ZH = ArticleCreate(
    kind="fault_codes",
    language="zh-CN",
    title="三菱 FX3U/FX3UC PLC 错误代码表（D8060～D8069 常见代码）",
    body=_FX3U_BODY_ZH,
    brand="Mitsubishi Electric 三菱电机",
    model_family="MELSEC-F FX3U / FX3UC",
    fault_codes=_codes(_FX3U_CODES_ZH),
    tags=[
        "PLC",
        "三菱",
        "Mitsubishi",
        "FX3U",
        "错误代码",
        "故障代码",
        "ERROR灯",
        "控制柜",
        "包装线",
    ],
    asset_families=list(_PLC_FAMILIES),
    device_code_prefixes=list(_PLC_PREFIXES),
    publish=True,
)

_FX3U_EN = ArticleCreate(
    kind="fault_codes",
    language="en",
    title="Mitsubishi FX3U/FX3UC PLC error codes (common codes in D8060-D8069)",
    body=_FX3U_BODY_EN,
    brand="Mitsubishi Electric",
    model_family="MELSEC-F FX3U / FX3UC",
    fault_codes=_codes(_FX3U_CODES_EN),
    tags=[
        "PLC",
        "Mitsubishi",
        "FX3U",
        "error code",
        "fault code",
        "ERROR LED",
        "control cabinet",
        "packaging line",
    ],
    asset_families=list(_PLC_FAMILIES),
    device_code_prefixes=list(_PLC_PREFIXES),
    publish=True,
)

# --- Dixell XR cold-room controller alarms ------------------------------------------------------

_DIXELL_BODY_ZH = """\
适用：Dixell（小精灵）XR-CX 系列冷库温控器，从只控制压缩机的 XR06CX，到带除霜、风机和辅助继电器的 XR20CX、XR30CX、XR60CX 等。不同型号和配置支持的探头、报警不同：P2 只在装有蒸发器探头时出现，P3/P4 需要第三/第四探头，HA2/LA2 需要冷凝探头，rtc/rtF 只在带实时时钟的型号上出现。以所用型号的说明书为准。

操作要点
- 报警时蜂鸣器响，按任意键可消音；报警代码在显示屏上闪烁，原因排除后多数报警自动消失。
- 探头报警（P1～P4）在探头故障几秒后出现，探头恢复正常几秒后自动消失：更换探头之前先检查接线。
- 温度报警 HA、LA、HA2、LA2 在温度回到正常范围后自动消失。
- EA 和 CA（i1F = bAL）在数字输入恢复后消失；CA（i1F = PAL，压力开关报警）只有断电再上电才能恢复。
- 进入参数：同时按 SET + 下键 3 秒。修改参数前先把原设定值拍照或记录；更换控制器时可用 Hot Key 拷贝参数。
- 手动除霜：按住 DEF 键 2 秒以上。

安全
- 控制器背面接有 220 V 电源和压缩机、除霜、风机负载，拆接线前断电上锁并验电。
- 报警未查明原因时不要反复断电复位，特别是 CA 压力开关报警，应先查明高压/低压原因。
- 若库温已超标（HA），先通知客户保护货物，再排查故障。
"""

_DIXELL_BODY_EN = """\
Applies to the Dixell XR-CX cold-room controllers, from the XR06CX (compressor only) to the XR20CX, XR30CX and XR60CX with defrost, fans and an auxiliary relay. Which probes and alarms a unit has depends on its model and configuration: P2 only with an evaporator probe fitted, P3/P4 with a third/fourth probe, HA2/LA2 with a condenser probe, rtc/rtF only on versions with a real-time clock. The model's own manual is the reference.

How to work with it
- On an alarm the buzzer sounds; any key silences it. The alarm code flashes on the display; most alarms clear by themselves once the cause is gone.
- Probe alarms (P1 to P4) appear a few seconds after the probe fails and clear a few seconds after it reads normally again: check the wiring before replacing a probe.
- Temperature alarms HA, LA, HA2 and LA2 clear as soon as the temperature is back within limits.
- EA and CA (i1F = bAL) clear when the digital input returns to normal; CA with i1F = PAL (pressure-switch alarm) clears only by switching the controller off and on.
- Parameters: hold SET + DOWN for 3 seconds. Photograph or write down the settings before changing any; when replacing a controller, a Hot Key copies the parameters.
- Manual defrost: hold the DEF key for more than 2 seconds.

Safety
- The controller's terminals carry 230 V supply and the compressor, defrost and fan loads: isolate, lock out and prove dead before touching the wiring.
- Do not keep power-cycling to clear an alarm whose cause is unknown, a CA pressure-switch alarm above all: find the cause of the high or low pressure first.
- If the room is already too warm (HA), tell the customer to protect the goods first, then find the fault.
"""

_DIXELL_CODES_ZH = (
    (
        "P1",
        "库温探头（调节探头）故障",
        "探头开路或短路；接线松脱、断线（被门夹、被老鼠咬）；接头进水；探头类型参数（PbC：PTC/NTC）与实际探头不符。",
        "故障期间压缩机按 Con（开机时间）和 COF（停机时间）定时运行，库温只能大致维持。断电后在端子处测探头电阻，检查线缆和接头，修复或更换同型号探头；探头恢复后报警自动消失。",
    ),
    (
        "P2",
        "蒸发器探头（除霜探头）故障",
        "同 P1：探头或线缆开路/短路、接头进水、探头损坏。",
        "故障期间除霜按最长除霜时间（MdF）结束，容易除霜不净或过度除霜。修复或更换探头，并按说明书把探头卡在蒸发器翅片上规定的位置。",
    ),
    (
        "P3",
        "第三探头故障",
        "第三探头（用途由配置决定，如显示或冷凝温度）开路/短路；未安装第三探头却在参数中启用了它（P3P）。",
        "输出不变。检查探头和接线；如果没有安装第三探头，确认 P3P 设为未启用。",
    ),
    (
        "P4",
        "第四探头故障",
        "第四探头开路/短路；未安装却在参数中启用（P4P）。",
        "输出不变。检查探头和接线；未安装时确认 P4P 设为未启用。",
    ),
    (
        "HA",
        "高温报警：库温高于报警上限",
        "制冷故障（压缩机停机、冷凝器脏堵、蒸发器结冰）；库门长时间打开；大量未预冷货物入库；探头偏差。报警限值 ALU 可设为相对设定值（ALC = rE）或绝对值（ALC = Ab），有报警延时 ALd、开机延时 dAO、除霜后延时 EdA。",
        "输出不变。先提醒客户保护货物，再按压缩机、冷凝器、蒸发器除霜的顺序排查；用校准温度计核对库温。温度恢复后报警自动消失。",
    ),
    (
        "LA",
        "低温报警：库温低于报警下限",
        "压缩机到温后仍不停：控制器继电器或接触器触点粘连；设定值被改低；探头读数偏高或探头位置不当。报警限值为 ALL。",
        "输出不变。检查压缩机在到达设定温度后是否停机，检查继电器、接触器触点，核对设定值和 ALL，校验探头。冷藏库低温报警可能冻坏货物，应及时处理。",
    ),
    (
        "HA2",
        "冷凝温度高报警（需冷凝探头）",
        "冷凝器脏堵、冷凝风机不转、热风回流、环境温度过高。",
        "动作取决于参数配置（可设置为停压缩机）。清洗冷凝器，检查冷凝风机和安装通风条件。",
    ),
    (
        "LA2",
        "冷凝温度低报警（需冷凝探头）",
        "冬季环境温度低，冷凝风机调速或压力控制失效导致风机一直全速运行。",
        "动作取决于参数配置。检查冷凝风机调速器、压力开关设定和冷凝探头。",
    ),
    (
        "dA",
        "门开报警：库门打开超过报警延时（doA）",
        "库门未关好或长时间敞开；门开关损坏、松动或接线断开；数字输入的功能（i1F = dor）或极性（i1P）设置错误。",
        "关好库门；检查门开关和接线，核对 i1F、i1P。门开期间压缩机、风机按 odc 设定动作，报警时是否重新启动由 rrd 决定。门封和门框问题见《冷库门封条、门框加热丝与漏冷》。",
    ),
    (
        "EA",
        "外部报警（数字输入设为 EAL）",
        "数字输入所接的外部设备报警，具体含义由现场接线决定（如外接保护或报警触点）。",
        "输出不变。对照电气图查明数字输入接的是什么设备，排除该设备的报警；输入恢复后报警自动消失。",
    ),
    (
        "CA",
        "严重外部报警（i1F = bAL）或压力开关报警（i1F = PAL）",
        "bAL：数字输入所接的严重故障信号动作。PAL：压力开关（高压或低压）动作达到设定次数，常见原因为冷凝器脏堵、冷凝风机故障、制冷剂不足或过多。",
        "所有输出关闭。bAL 在输入恢复后消失；PAL 须排除原因后断电再上电才能恢复。查明压力异常原因之前不要反复复位。",
    ),
    (
        "rtc",
        "实时时钟报警：时钟数据丢失（带时钟的型号）",
        "长时间断电后时钟数据丢失。",
        "报警输出动作，其他输出不变，除霜按间隔 IdF 进行。重新设置时钟和定时除霜时间。",
    ),
    (
        "rtF",
        "实时时钟板故障（带时钟的型号）",
        "控制器内部时钟电路故障。",
        "报警输出动作，其他输出不变，除霜按间隔 IdF 进行。联系厂家维修或更换控制器。",
    ),
    (
        "EE",
        "存储器故障（控制器内部自检发现存储器数据错误）",
        "强干扰、电源异常或控制器老化导致内部存储器数据损坏。",
        "断电重启；仍显示 EE 时更换控制器，并按原记录（或用 Hot Key）重新设置参数。",
    ),
    (
        "dEF",
        "除霜进行中（提示信息，不是故障）",
        "参数 dFd 设为 dEF 时，除霜期间显示 dEF。",
        "除霜结束并经过显示延时（dAd）后恢复显示温度；若长时间停留在 dEF，检查除霜结束温度（dtE）、最长除霜时间（MdF）和蒸发器探头。",
    ),
    (
        "PoF",
        "键盘已锁定（提示信息）",
        "有人同时按住上键和下键超过 3 秒锁定了键盘。",
        "再次同时按住上键和下键 3 秒以上解锁，显示 Pon。",
    ),
    (
        "Pon",
        "键盘已解锁（提示信息）",
        "键盘锁定被解除。",
        "无需处理。",
    ),
    (
        "noP",
        "探头未启用 / 无参数（提示信息）",
        "在显示设置中选择了一个未启用的探头；编程模式下该级别没有参数。",
        "检查显示探头的选择和探头启用参数（P2P、P3P、P4P）。",
    ),
)

_DIXELL_CODES_EN = (
    (
        "P1",
        "Room (thermostat) probe failure",
        "Probe open or short circuit; loose terminal or broken cable (caught in the door, chewed by rodents); water in a joint; the probe-type parameter (PbC: PTC/NTC) does not match the probe fitted.",
        "While it lasts the compressor runs on the Con (on) and COF (off) times, which only roughly holds the room. Isolate, measure the probe's resistance at the terminals, check cable and joints, repair or replace with the same probe type; the alarm clears when the probe reads again.",
    ),
    (
        "P2",
        "Evaporator (defrost) probe failure",
        "As P1: probe or cable open or short, water in a joint, failed probe.",
        "While it lasts, defrost ends on the maximum defrost time (MdF), so the coil may be left iced or over-defrosted. Repair or replace the probe and clip it into the evaporator fins where the manual says.",
    ),
    (
        "P3",
        "Third probe failure",
        "The third probe (display or condenser use, depending on configuration) open or short; or no third probe fitted but enabled in the parameters (P3P).",
        "Outputs unchanged. Check probe and wiring; with no third probe fitted, set P3P to not present.",
    ),
    (
        "P4",
        "Fourth probe failure",
        "Fourth probe open or short; or not fitted but enabled (P4P).",
        "Outputs unchanged. Check probe and wiring; with no fourth probe fitted, set P4P to not present.",
    ),
    (
        "HA",
        "High temperature alarm: room above the alarm limit",
        "Refrigeration fault (compressor stopped, dirty condenser, iced evaporator); door left open; a large load of warm product; probe error. The limit ALU is relative to the set point (ALC = rE) or absolute (ALC = Ab), with delays ALd (alarm), dAO (at start-up) and EdA (after defrost).",
        "Outputs unchanged. Tell the customer to protect the goods, then check compressor, condenser and evaporator/defrost in that order; check the room temperature with a calibrated thermometer. The alarm clears when the temperature recovers.",
    ),
    (
        "LA",
        "Low temperature alarm: room below the alarm limit",
        "The compressor keeps running after reaching temperature: welded controller relay or contactor contacts; set point changed; probe reading high or badly placed. The limit is ALL.",
        "Outputs unchanged. Check that the compressor stops at the set point, check relay and contactor contacts, the set point and ALL, and the probe. In a chiller room a low alarm can freeze the goods: act quickly.",
    ),
    (
        "HA2",
        "Condenser high temperature alarm (needs a condenser probe)",
        "Dirty condenser, condenser fan not running, hot air recirculating, very high ambient.",
        "Action depends on configuration (it can stop the compressor). Clean the condenser, check the condenser fan and the unit's ventilation.",
    ),
    (
        "LA2",
        "Condenser low temperature alarm (needs a condenser probe)",
        "Cold ambient in winter with the condenser fan speed or pressure control failed, leaving the fans at full speed.",
        "Action depends on configuration. Check the fan speed controller, the pressure switch settings and the condenser probe.",
    ),
    (
        "dA",
        "Door open alarm: door open longer than the alarm delay (doA)",
        "Door not closed or left open; door switch broken, loose or disconnected; digital input function (i1F = dor) or polarity (i1P) set wrong.",
        "Close the door; check the door switch and wiring, i1F and i1P. While the door is open, compressor and fans follow odc; whether they restart on the alarm is set by rrd. For seal and frame problems see the door seal and door heater article.",
    ),
    (
        "EA",
        "External alarm (digital input set to EAL)",
        "The device wired to the digital input signals an alarm; what it means depends on the site wiring (an external protection or alarm contact).",
        "Outputs unchanged. Find on the wiring diagram what is connected to the input and clear that device's alarm; the alarm clears when the input returns to normal.",
    ),
    (
        "CA",
        "Serious external alarm (i1F = bAL) or pressure-switch alarm (i1F = PAL)",
        "bAL: the serious-fault signal on the digital input is active. PAL: the pressure switch (high or low) tripped the configured number of times, commonly a dirty condenser, a condenser fan fault, or too little or too much refrigerant.",
        "All outputs off. bAL clears when the input returns to normal; PAL clears only by switching off and on after the cause is removed. Do not keep resetting before the pressure problem is found.",
    ),
    (
        "rtc",
        "Real-time clock alarm: clock data lost (models with a clock)",
        "Clock data lost after a long power cut.",
        "Alarm output on, other outputs unchanged, defrosts follow the interval IdF. Set the clock and the defrost times again.",
    ),
    (
        "rtF",
        "Real-time clock board failure (models with a clock)",
        "Fault in the controller's clock circuit.",
        "Alarm output on, other outputs unchanged, defrosts follow the interval IdF. Have the controller repaired or replace it.",
    ),
    (
        "EE",
        "Memory failure (the controller's self-check found corrupted memory data)",
        "Internal memory data corrupted by severe noise, supply problems or an ageing controller.",
        "Power-cycle; if EE stays, replace the controller and set the parameters again from the record (or with a Hot Key).",
    ),
    (
        "dEF",
        "Defrost in progress (a message, not a fault)",
        "With parameter dFd = dEF the display shows dEF during defrost.",
        "The temperature returns after defrost and the display delay (dAd). If dEF stays for long, check the defrost end temperature (dtE), the maximum defrost time (MdF) and the evaporator probe.",
    ),
    (
        "PoF",
        "Keyboard locked (a message)",
        "Someone held UP and DOWN together for more than 3 seconds.",
        "Hold UP and DOWN together for more than 3 seconds again to unlock; Pon is shown.",
    ),
    (
        "Pon",
        "Keyboard unlocked (a message)",
        "The keyboard lock was released.",
        "Nothing to do.",
    ),
    (
        "noP",
        "Probe not enabled / no parameter (a message)",
        "The display was set to a probe that is not enabled; or, in programming mode, no parameter at that level.",
        "Check the probe selected for the display and the probe-presence parameters (P2P, P3P, P4P).",
    ),
)

_DIXELL_ZH = ArticleCreate(
    kind="fault_codes",
    language="zh-CN",
    title="Dixell（小精灵）XR 系列冷库温控器报警代码表（P1/P2/HA/LA/dA/CA/EE 等）",
    body=_DIXELL_BODY_ZH,
    brand="Dixell 小精灵",
    model_family="XR-CX 系列（XR06CX / XR20CX / XR30CX / XR60CX）",
    fault_codes=_codes(_DIXELL_CODES_ZH),
    tags=["冷库", "温控器", "控制器", "Dixell", "小精灵", "报警代码", "探头", "除霜", "门开报警"],
    asset_families=["compressor", "evaporator"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[
        AlarmType.OVER_TEMPERATURE,
        AlarmType.SENSOR_FAULT,
        AlarmType.DOOR_OPEN,
        AlarmType.COMPRESSOR_STOP,
    ],
    publish=True,
)

_DIXELL_EN = ArticleCreate(
    kind="fault_codes",
    language="en",
    title="Dixell XR cold-room controller alarm codes (P1, P2, HA, LA, dA, CA, EE ...)",
    body=_DIXELL_BODY_EN,
    brand="Dixell",
    model_family="XR-CX series (XR06CX / XR20CX / XR30CX / XR60CX)",
    fault_codes=_codes(_DIXELL_CODES_EN),
    tags=[
        "cold room",
        "controller",
        "thermostat",
        "Dixell",
        "alarm code",
        "probe",
        "defrost",
        "door alarm",
    ],
    asset_families=["compressor", "evaporator"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[
        AlarmType.OVER_TEMPERATURE,
        AlarmType.SENSOR_FAULT,
        AlarmType.DOOR_OPEN,
        AlarmType.COMPRESSOR_STOP,
    ],
    publish=True,
)

# --- Cold-room troubleshooting ------------------------------------------------------------------

_COMPRESSOR_ZH = """\
适用：冷库（冷藏库、冷冻库）风冷冷凝机组中的全封闭、半封闭活塞压缩机和涡旋压缩机。

安全须知
- 电气检查前断开机组电源，上锁挂牌，用万用表验电；单相机组的电容断电后仍可能带电，先放电再接触。
- 压缩机排气管和机壳上部温度可超过 100 ℃，冷冻库的吸气管可低于 -30 ℃，戴防护手套。
- 制冷剂作业须持证操作，按规定回收，禁止直接排放；R404A、R507A、R448A、R22 等的压力-温度关系不同，使用对应制冷剂的表盘或压焓表。
- 不要短接高低压开关、油压差开关、电机保护模块或热继电器来"维持运行"。
- 进入冷冻库作业注意防寒，尽量两人作业，并确认库门内侧的逃生开门装置可用。

一、压缩机不启动
现象：温控器显示在制冷（制冷指示灯亮或闪烁），库温上升，压缩机不转；或接触器吸合但压缩机只嗡嗡响不转。
1. 温控器：是否正在除霜、滴水，或处于压缩机保护延时（如 Dixell 的 AC 参数，指示灯闪烁表示在延时）。确认设定值和探头读数正常（探头报警见《冷库温度探头故障》）。
2. 电源：测量三相电压（380 V ±10%）、是否缺相，相序保护器是否动作。涡旋压缩机反转时噪声大、高低压不建立、电流偏低，须调换任意两相电源线。
3. 控制回路：沿安全链逐个测量——高压开关、低压开关、油压差开关（带油泵的半封闭压缩机）、电机保护模块（PTC 绕组保护）、热继电器、急停——找到断开的那一环。高压开关多为手动复位，复位前先查明高压原因（见《冷凝风机故障与冷凝器脏堵》）。
4. 接触器：线圈电压是否到位；主触点是否烧蚀、接触不良（吸合后测三相出线电压）。
5. 内置保护器：全封闭压缩机外壳很烫却不启动，可能是内置过热保护器断开，需冷却后自动复位，可能要一个小时以上；不要用冷水浇压缩机。
6. 电机绕组：断电拆下接线，测三组绕组电阻应基本一致；用 500 V 兆欧表测对地绝缘（不要在压缩机抽真空状态下测量）。绕组开路、短路或绝缘很低需更换压缩机；若冷冻油发黑、有焦糊味，说明电机烧毁，须清洗系统并更换干燥过滤器。
7. 单相小机组：检查启动电容、运行电容（鼓包、漏液、容量明显下降）和启动继电器或 PTC 启动器。
8. 机械卡死：接触器吸合后电流达到堵转电流并很快跳保护，在确认电源正常后，多为卡缸或轴承损坏，需更换压缩机。

二、频繁启停（短循环）
现象：压缩机运行几十秒到几分钟就停，停一会儿又启动，接触器频繁吸合。
- 温控器回差（如 Dixell 的 HY）太小：冷库一般取 2～3 K（以货物要求为准），并设置压缩机最短停机时间。
- 探头位置不当：探头在冷风机出风口直吹处，温度一降就停机——移到回风侧或库内有代表性的位置。
- 低压开关跳停：制冷剂不足（视液镜有气泡、吸气压力低、过热度大）、干燥过滤器或膨胀阀堵塞、蒸发器结冰或风机不转导致吸气压力过低。先查漏补漏，再按铭牌充注量或过冷度、过热度调整。低压开关的切入/切出值要与制冷剂和库温相符，差值不能太小。
- 抽空停机（pump down）系统：供液电磁阀关不严或压缩机排气阀片泄漏，停机后低压回升，压缩机反复启动。
- 自动复位的高压开关反复动作：冷凝器脏堵或冷凝风机故障。
- 机组选型偏大，库温很快到达设定值：适当加大回差，或采用变频、卸载调节。
注意：压缩机每小时允许的启动次数有限（常见约 6～10 次，以压缩机厂家规定为准），长期短循环会造成电机过热和回油不良。

三、排气温度过高
测量：在距压缩机排气口约 15 cm 的排气管上测温。持续高于约 120～130 ℃ 就应处理（以压缩机厂家限值为准），温度过高会使冷冻油碳化、阀片损坏。
- 冷凝压力高：冷凝器脏堵、冷凝风机故障、环境温度高或热风回流、系统内有不凝性气体、制冷剂充注过多。
- 吸气过热度大：制冷剂不足，膨胀阀开度过小或堵塞，干燥过滤器堵塞（过滤器前后温差明显，甚至出口结霜）。
- 蒸发压力过低导致压比过大：蒸发器结冰、风量不足、设定温度低于机组设计工况。
- 半封闭压缩机阀片损坏、内部窜气。
处理：先解决冷凝和过热度问题；低温机组若设计有喷液或排温保护装置，确认其工作正常。

四、过载跳闸（热继电器、断路器或电机保护动作）
- 用钳形表测三相运行电流，与铭牌额定电流比较；热继电器整定值按铭牌设定，不能随意调大。
- 电压过低、三相电压不平衡（超过约 2% 就应查找原因）或缺相。
- 接线端子松动发热（变色、烧蚀），紧固或更换端子。
- 冷凝压力过高，或吸气压力过高（如除霜后、大量热货入库后的降温阶段）导致电流大。
- 电机绕组或轴承故障。
原则：先找到并排除原因再复位；同一保护短时间内连续动作，不要反复复位。

五、修复后确认
记录吸气压力、排气压力、排气温度、过热度和三相电流；观察至少一个完整的开停机周期，确认库温能降到设定值；在工单中写明故障原因和处理方法。
"""

_COMPRESSOR_EN = """\
Applies to hermetic and semi-hermetic reciprocating compressors and scroll compressors in the air-cooled condensing units of chiller and freezer rooms.

Safety
- Before electrical checks, isolate the unit, lock out, tag out and prove dead with a meter; on single-phase units discharge the capacitors, which can hold a charge after isolation.
- The discharge line and the top of the compressor can exceed 100 °C; a freezer's suction line can be below -30 °C. Wear gloves.
- Refrigerant work only by certified staff; recover refrigerant, never vent it. R404A, R507A, R448A, R22 and others have different pressure-temperature relations: use the right gauge scale or chart.
- Never bridge the high- or low-pressure switch, oil-pressure switch, motor protection module or overload relay to "keep it running".
- In a freezer room dress for the cold, work in pairs where possible, and check that the door's inside release works.

1. Compressor will not start
Symptom: the controller calls for cooling (cooling LED on or flashing), the room warms up, the compressor does not run; or the contactor pulls in but the compressor only hums.
1. Controller: is it in defrost, drip time, or a compressor protection delay (e.g. Dixell parameter AC; a flashing LED means the delay is running)? Check the set point and the probe reading (probe alarms: see the temperature probe article).
2. Supply: measure the three phase voltages (380/400 V ±10%), look for a missing phase and a tripped phase-sequence relay. A scroll compressor running backwards is noisy, builds no pressure difference and draws low current: swap any two supply phases.
3. Control circuit: measure along the safety chain - high-pressure switch, low-pressure switch, oil-pressure switch (semi-hermetics with an oil pump), motor protection module (PTC winding protection), overload relay, emergency stop - and find the open link. High-pressure switches are usually manual reset: find the cause of the high pressure before resetting (see the condenser fan article).
4. Contactor: is the coil voltage there? Are the main contacts burnt or making poor contact (measure the three output voltages with it pulled in)?
5. Internal protector: a hermetic compressor that is very hot and will not start may have its internal thermal protector open; it resets by itself when the motor cools, which can take an hour or more. Never cool it with water.
6. Motor windings: isolate, disconnect, and check that the three winding resistances are about equal; measure insulation to earth with a 500 V insulation tester (never with the compressor under vacuum). Open or shorted windings or very low insulation mean a new compressor; dark oil and a burnt smell mean a burnt motor: clean the system and fit a new filter drier.
7. Small single-phase units: check the start and run capacitors (bulging, leaking, capacitance well below rating) and the start relay or PTC starter.
8. Seized compressor: current rises to locked-rotor value as the contactor pulls in and the protection trips quickly; with the supply confirmed good, a seized pump or failed bearing means replacing the compressor.

2. Short cycling
Symptom: the compressor runs for seconds to a few minutes, stops, restarts soon after; the contactor clicks often.
- Controller differential (e.g. Dixell HY) too small: 2-3 K is usual for a cold room (follow the product's needs), together with a minimum off time for the compressor.
- Probe badly placed: in the evaporator's discharge air the probe cools at once and stops the compressor - move it to the return air side or a representative spot in the room.
- Low-pressure switch tripping: short of refrigerant (bubbles in the sight glass, low suction pressure, high superheat), blocked filter drier or expansion valve, iced evaporator or stopped evaporator fans pulling the suction pressure down. Find and fix leaks first, then charge to the nameplate or to subcooling and superheat. Set the low-pressure cut-in and cut-out to suit the refrigerant and room temperature, with enough difference between them.
- Pump-down systems: a liquid solenoid valve that does not close tight, or leaking compressor discharge valves, let the suction pressure rise after the stop and restart the compressor again and again.
- An automatic-reset high-pressure switch cycling: dirty condenser or condenser fan fault.
- Oversized unit pulling the room down very fast: widen the differential, or use speed or capacity control.
Note: compressors allow only a limited number of starts per hour (often about 6 to 10; the compressor maker's limit applies). Constant short cycling overheats the motor and starves it of oil.

3. High discharge temperature
Measure on the discharge line about 15 cm from the compressor outlet. A sustained reading above roughly 120-130 °C needs action (the compressor maker's limit applies): too hot and the oil breaks down and the valves fail.
- High condensing pressure: dirty condenser, condenser fan fault, high ambient or hot air recirculating, non-condensable gas in the system, overcharge.
- High suction superheat: short of refrigerant, expansion valve too far closed or blocked, blocked filter drier (clear temperature drop across it, even frost at the outlet).
- Very low evaporating pressure raising the compression ratio: iced evaporator, too little airflow, set point below the unit's design conditions.
- Broken valves or internal leakage in a semi-hermetic.
Fix the condensing and superheat problems first; on low-temperature units with liquid injection or discharge temperature protection, check that it works.

4. Overload trip (overload relay, breaker or motor protection)
- Measure the current in all three phases with a clamp meter and compare with the nameplate rated current; set the overload relay to the nameplate, never higher to stop it tripping.
- Low voltage, phase imbalance (look for the cause above about 2% voltage imbalance) or a missing phase.
- Loose, overheated terminals (discoloured or burnt): tighten or replace.
- High condensing pressure, or high suction pressure (after defrost, or while pulling down a load of warm product) raising the current.
- Faulty windings or bearings.
Rule: find and remove the cause before resetting; if the same protection trips again within a short time, do not keep resetting it.

5. After the repair
Record suction and discharge pressures, discharge temperature, superheat and the three phase currents; watch at least one full on/off cycle and check that the room reaches its set point; write the cause and the fix in the work order.
"""

_CONDENSER_ZH = """\
适用：冷库风冷冷凝机组（室外机）的冷凝风机和冷凝器。

安全须知
- 冷凝风机可能由压力控制器或调速器随时自动启动：检查前断开电源并上锁挂牌，确认风叶完全停止再伸手。
- 冷凝器翅片锋利，戴手套；屋顶或高处作业系好安全带，注意防坠落。
- 排气管和冷凝器进口管温度高，避免烫伤。

现象
- 冷凝压力（高压）偏高，高压开关跳机（多为手动复位），夏季午后尤其明显。
- 压缩机排气温度高、运行电流大，制冷量下降，库温降不下来。
- 冷凝风机不转、转速慢、有异响或反转。

判断冷凝是否正常
风冷冷凝器的冷凝温度（由高压压力换算的饱和温度）一般比冷凝器进风温度高约 10～15 K。明显超出时，多为风量不足、冷凝器脏堵、热风回流、系统内有不凝性气体或制冷剂充注过多。

检查冷凝风机
1. 风机是否应该运行：很多机组用压力控制的调速器或压力开关控制冷凝风机，压力低时慢转或停转属于正常。先核对控制设定。
2. 供电：接触器或调速器的输出电压；EC 风机检查电源和 0～10 V 控制信号。
3. 单相风机：运行电容容量下降（鼓包、漏液、实测容量明显低于标称值）会造成转速慢、启动困难，按相同容量和耐压更换。
4. 电机：测绕组电阻和对地绝缘；电机很烫且不转时，可能是内置热保护断开；用手转动风叶，有阻滞或异响说明轴承磨损。
5. 风叶：破损、松动或积灰造成不平衡；三相风机检查转向，气流方向应与机组标识一致。

冷凝器脏堵
- 常见：灰尘、油污，春季的杨絮、柳絮，塑料袋、树叶贴在进风面。
- 清洗：断电后从出风侧向进风侧反向吹扫或冲洗（压缩空气或低压水），可用中性的冷凝器专用清洗剂；不要用高压水枪近距离直冲，以免翅片倒伏；倒伏的翅片用翅片梳梳直。
- 安装条件：机组离墙太近、装在封闭空间里，或多台机组之间热风互相回流，都会导致冷凝温度高，必要时加导风罩或改变安装位置。

其他导致高压偏高的原因
- 不凝性气体（空气）：停机后系统压力平衡到环境温度时，压力明显高于该温度下制冷剂的饱和压力。处理方法：回收制冷剂、抽真空、重新充注。
- 充注过多：过冷度偏大、高压偏高，按铭牌充注量或过冷度调整。
- 储液器出口阀、液管阀门未全开，或液管干燥过滤器堵塞。

修复后
记录环境温度、冷凝压力（及换算的冷凝温度）、排气温度和压缩机电流；手动复位高压开关后观察运行，建议客户把冷凝器清洗列入定期保养（杨絮季节前后各一次）。
"""

_CONDENSER_EN = """\
Applies to the condenser fans and condenser coils of air-cooled condensing units (outdoor units) serving cold rooms.

Safety
- Condenser fans may start at any moment under a pressure control or speed controller: isolate, lock out and tag out before checking, and wait until the blades have stopped.
- Condenser fins are sharp: wear gloves. On roofs and at height use fall protection.
- The discharge line and condenser inlet are hot: beware of burns.

Symptoms
- High condensing (head) pressure; the high-pressure switch trips (usually manual reset), worst on summer afternoons.
- High discharge temperature and compressor current, less cooling, the room will not pull down.
- Condenser fan not running, running slowly, noisy or running backwards.

Is the condensing pressure right?
In an air-cooled condenser the condensing temperature (the saturation temperature for the head pressure) is usually about 10-15 K above the air entering the coil. Much more than that points to too little airflow, a dirty coil, hot air recirculating, non-condensable gas, or an overcharge.

Check the condenser fan
1. Should it be running? Many units control the fans with a pressure-controlled speed controller or a pressure switch: slow or stopped fans at low pressure are normal. Check the control settings first.
2. Supply: the output voltage of the contactor or speed controller; on EC fans the supply and the 0-10 V control signal.
3. Single-phase fans: a run capacitor that has lost capacitance (bulging, leaking, measured well below its rating) makes the fan slow or hard to start; replace it with the same capacitance and voltage rating.
4. Motor: winding resistance and insulation to earth; a hot motor that will not run may have its internal thermal protector open; turn the blade by hand - stiffness or noise means worn bearings.
5. Blades: broken, loose or dirty and out of balance; on three-phase fans check the direction: the airflow must match the arrow on the unit.

Dirty condenser coil
- Usual culprits: dust, oily film, poplar and willow seed fluff in spring, plastic bags and leaves on the air inlet face.
- Cleaning: with the power off, blow or rinse from the air outlet side back through to the inlet side (compressed air or low-pressure water), with a neutral condenser cleaner if needed; never hold a high-pressure jet close to the fins, it flattens them; comb flattened fins straight with a fin comb.
- Installation: a unit too close to a wall, inside an enclosure, or several units blowing hot air into each other's inlets all raise the condensing temperature; add discharge ducts or move the unit if needed.

Other causes of high head pressure
- Non-condensable gas (air): with the system stopped and settled at ambient temperature, the pressure is clearly above the refrigerant's saturation pressure at that temperature. Recover the charge, evacuate and recharge.
- Overcharge: high subcooling and head pressure; correct to the nameplate charge or to subcooling.
- Receiver outlet or liquid line valves not fully open, or a blocked liquid line filter drier.

After the repair
Record ambient temperature, condensing pressure (and its saturation temperature), discharge temperature and compressor current; reset the high-pressure switch and watch it run. Suggest the customer add coil cleaning to the regular maintenance (before and after the poplar fluff season).
"""

_DOOR_ZH = """\
适用：冷藏库、冷冻库的平开门和推拉门，以及库板上的压力平衡窗（平衡阀）。

安全须知
- 门框加热丝和平衡窗加热器一般接 220 V 市电，检修前断电、上锁挂牌并验电。
- 门口地面结冰容易滑倒，作业前先清理。
- 冷冻库作业确认库门内侧逃生开门装置和库内报警按钮可用，不要一个人在库内长时间作业。

现象
- 门框、门缝四周结霜结冰，门被冻住难以打开。
- 门口附近的库顶、灯具结霜，门槛处地面结冰。
- 库温难以维持，压缩机运行时间变长；湿热空气进入使冷风机结霜加快、除霜频繁。
- 控制器出现门开报警（如 Dixell 显示 dA）。

检查
1. 门封条：目视检查是否破损、老化变硬、压扁或脱出卡槽，转角处最容易损坏。纸条法：把一张纸夹在门缝中关上门，沿四周多点抽拉，应有明显阻力，一抽就出的位置密封不良。也可在库内开灯、库外关灯，观察门缝是否透光。
2. 门体和五金：铰链是否下垂、门扇是否变形，闭门器和门锁的压紧力是否足够；推拉门检查导轨、滑轮和压紧斜块是否到位。
3. 门框加热丝（冷冻库）：正常时手摸门框四周微温。断电后测加热丝电阻，开路即已烧断；检查供电、保险和接线端子。只有某一段门框结冰，常见于该段加热丝断路或门封在该处漏气。
4. 压力平衡窗：冷冻库必须设置，用于平衡库内外压差。平衡窗加热失效或结冰堵死时，关门后门很难再打开，严重时库板会受力变形。
5. 门开关和使用习惯：门开关（限位）是否松动、误报；装卸货时门长时间敞开；门帘缺失或破损，风幕机不工作。

处理
- 更换同型号门封条（压缩型或磁性型），装好后再做一次纸条检查；调整铰链、闭门器、压紧块，使四周压紧均匀。
- 更换门框加热丝（通常需拆下门框装饰条），更换后测电阻和对地绝缘，确认门框温度恢复。
- 修复平衡窗加热，清除平衡窗结冰。
- 清除门框冰层不要用刀、螺丝刀硬撬，以免损坏门封和加热丝；可用温水软化冰层后擦干，不要让水流进门框和加热丝接线处。
- 建议客户加装或更换 PVC 软门帘、快速门或风幕机，设置合适的门开报警延时（如 Dixell 的 doA），并培训员工随手关门。
- 门口长期漏冷往往已造成蒸发器结冰，修好门后检查蒸发器并做一次除霜（见《蒸发器结冰与除霜故障》）。
"""

_DOOR_EN = """\
Applies to hinged and sliding doors of chiller and freezer rooms, and to the pressure relief (balancing) valve in the panels.

Safety
- Door frame heater wires and relief valve heaters usually run on mains voltage (230 V): isolate, lock out, tag out and prove dead before working on them.
- Ice on the floor at the door is a slip hazard: clear it before you start.
- In a freezer room check that the door's inside release and the in-room alarm button work; do not work alone in the room for long.

Symptoms
- Frost and ice round the door frame and the door gap; the door freezes shut.
- Frost on the ceiling and lights near the door; ice on the floor at the threshold.
- The room struggles to hold temperature and the compressor runs longer; warm, moist air makes the evaporator frost faster and defrost more often.
- A door-open alarm on the controller (dA on a Dixell).

Checks
1. Gasket: look for tears, hardening, flattening, or the gasket pulled out of its groove; corners fail first. Paper test: close the door on a sheet of paper at points all round and pull - it should drag; where it slides out freely the seal is poor. Or switch the room light on and the outside lights off and look for light through the gap.
2. Door and hardware: sagging hinges, a warped door leaf, not enough closing pressure from the closer or latch; on sliding doors check the track, rollers and the wedges that press the door in.
3. Frame heater (freezer doors): the frame should feel slightly warm all round. Isolate and measure the heater wire's resistance - open circuit means it has burnt out; check its supply, fuse and terminals. Ice on one section of the frame only usually means that section's heater is open or the gasket leaks there.
4. Pressure relief valve: every freezer room needs one to balance the pressure inside and out. If its heater fails or it ices up, the door is very hard to open after closing, and the panels can be strained.
5. Door switch and how the door is used: a loose door switch or false alarms; the door left open during loading; strip curtain missing or torn; air curtain not working.

Fixes
- Fit a new gasket of the same type (compression or magnetic) and repeat the paper test; adjust hinges, closer and wedges so the door presses evenly all round.
- Replace the frame heater wire (usually the frame trim has to come off); measure its resistance and insulation afterwards and check that the frame is warm again.
- Repair the relief valve heater and clear the ice from the valve.
- Do not chip ice off the frame with knives or screwdrivers - they cut gaskets and heater wires; soften it with warm water and dry it, keeping water out of the frame and the heater terminals.
- Suggest the customer fit or renew PVC strip curtains, a high-speed door or an air curtain, set a sensible door alarm delay (doA on a Dixell), and train staff to close the door.
- A door that has leaked for a while has usually iced the evaporator too: after the door, check the evaporator and run a defrost (see the evaporator icing and defrost article).
"""

_PROBE_ZH = """\
适用：冷库温控器（如 Dixell 小精灵 XR 系列、Carel IR33 等）的库温探头和除霜（蒸发器）探头。

安全须知
- 控制器端子附近有 220 V 电源和负载接线，拆接探头线前先断电。
- 进库检查探头时注意防寒，冷冻库内不要单独长时间停留。

现象与报警
- 控制器显示探头报警：Dixell XR 系列 P1 为库温探头故障、P2 为蒸发器（除霜）探头故障；Carel IR33 的 E0 为探头 1（控制探头）故障、E1 为探头 2（除霜探头）故障、E2 为探头 3 故障。其他品牌的控制器也常用 E1、E2 等代码表示探头故障，但编号含义各不相同，以控制器说明书为准。
- 显示温度与实际明显不符、来回跳变，或一直不变。
- 探头故障时控制器进入应急运行：Dixell 在 P1 时按 Con/COF 参数定时开停压缩机，库温只能大致维持；P2 时除霜按最长除霜时间（MdF）结束，容易除不净。

检查步骤
1. 在控制器端子处拆下探头线，用万用表测电阻。常见 NTC 探头在 25 ℃ 时为 10 kΩ，温度越低电阻越大，0 ℃ 时约 27 kΩ（以探头型号的阻值-温度表为准）。电阻无穷大为开路（断线、端子松脱、线被老鼠咬断或被门夹断），接近 0 Ω 为短路（线皮破损、接头进水）。
2. 确认探头类型与控制器设定一致：NTC 和 PTC 探头不能混用（Dixell 用参数 PbC 选择），装错类型会显示很大的偏差。
3. 冰水校验：把探头放进装满碎冰和水的保温杯，搅拌几分钟，显示应接近 0 ℃（一般在 ±0.5～1 K 以内）。也可以用经过校准的温度计放在探头旁边对比。
4. 读数漂移：常见于探头接头进水、延长线接头没有密封、探头老化。小偏差（约 1 K 以内）可用偏移参数修正（Dixell：ot 为库温探头、oE 为蒸发器探头；Carel：/c1、/c2），偏差大或不稳定应更换探头。
5. 干扰：探头线与动力线、变频器输出线平行敷设会使读数跳动，应分开走线，必要时改用屏蔽线并单端接地。
6. 安装位置：库温探头应装在能代表库温的位置，一般在冷风机回风侧；不要装在出风口直吹处、门口、灯具旁或紧贴库板。除霜探头应按说明书卡在蒸发器翅片中霜最后化掉的位置，位置不当会导致除霜提前结束，蒸发器逐渐结冰。

处理
- 更换同型号探头；需要延长时使用同规格线缆，接头锡焊后用带胶热缩管密封防水，线缆穿出库板的孔洞封堵好。
- 更换后核对控制器参数（探头类型、偏移量），做冰水或对比校验，并观察一个完整的制冷和除霜周期。
- 如客户有温度记录仪或远程监控，与其读数对比，并把偏差记入工单。
"""

_PROBE_EN = """\
Applies to the room probe and the defrost (evaporator) probe of cold-room controllers such as the Dixell XR series and the Carel IR33.

Safety
- The controller's terminals sit next to 230 V supply and load wiring: isolate before disconnecting probe wires.
- Dress for the cold when checking probes inside the room; do not stay alone in a freezer room for long.

Symptoms and alarms
- A probe alarm on the controller: on the Dixell XR series P1 = room probe failure, P2 = evaporator (defrost) probe failure; on the Carel IR33 E0 = probe 1 (control) error, E1 = probe 2 (defrost) error, E2 = probe 3 error. Other makes often use codes such as E1 and E2 for probe faults too, but the numbering differs: check the controller's manual.
- The displayed temperature is clearly wrong, jumps about, or never changes.
- On a probe failure the controller runs in emergency mode: a Dixell with P1 cycles the compressor on the Con/COF times, which only roughly holds the room; with P2 it ends defrost on the maximum defrost time (MdF), which may leave ice.

Checks
1. Disconnect the probe at the controller and measure its resistance. A common NTC probe is 10 kΩ at 25 °C, rising as it gets colder, about 27 kΩ at 0 °C (use the resistance table of the probe type). Infinite resistance = open circuit (broken wire, loose terminal, cable chewed by rodents or crushed in the door); near 0 Ω = short circuit (damaged sheath, water in a joint).
2. Check that the probe type matches the controller setting: NTC and PTC probes are not interchangeable (Dixell parameter PbC selects the type); the wrong type reads far off.
3. Ice-bath check: put the probe in an insulated cup full of crushed ice and water, stir for a few minutes; the display should read close to 0 °C (usually within ±0.5-1 K). Or compare with a calibrated thermometer placed beside the probe.
4. Drift: usually water in the probe or in an unsealed extension joint, or an ageing probe. A small error (within about 1 K) can be corrected with the offset parameter (Dixell: ot for the room probe, oE for the evaporator probe; Carel: /c1, /c2); a large or unstable error means a new probe.
5. Interference: probe cables run alongside power or drive output cables make the reading jump; separate them, and use screened cable grounded at one end if needed.
6. Position: the room probe belongs where it represents the room, usually on the evaporator's return air side - not in the discharge air stream, at the door, by a light, or touching a panel. The defrost probe clips into the evaporator fins where the frost clears last, as the manual shows; in the wrong place it ends defrost too early and the coil gradually ices up.

Fixes
- Replace with the same probe type; extend only with the same cable, soldered and sealed with adhesive-lined heat-shrink so no water gets in, and seal the hole where the cable passes through the panel.
- After replacing, check the controller parameters (probe type, offset), do an ice-bath or side-by-side check, and watch a full cooling and defrost cycle.
- If the customer has a data logger or remote monitoring, compare the readings and record any difference in the work order.
"""

_DEFROST_ZH = """\
适用：电热除霜的冷库冷风机（蒸发器）；热气除霜系统的排查思路相同。

安全须知
- 除霜加热管、排水管加热带接 220 V 或 380 V 市电，检查前断电、上锁挂牌并验电。
- 冷风机风扇可能随时由控制器启动，断电后再伸手。
- 站梯作业注意防坠落；清理掉落的冰块，防止滑倒。
- 不要用螺丝刀、冰锥等硬物敲凿盘管上的冰，很容易扎破铜管或铝翅片管，造成制冷剂泄漏。

现象
- 库温升高、降温变慢；冷风机出风量变小，盘管整体结成冰坨。
- 风扇网罩结冰，风叶碰冰发出异响。
- 接水盘结冰，除霜水滴到地面或货物上，库内地面结冰。
- 每次除霜后仍有残冰，冰层一次比一次厚。

排查
1. 确认除霜是否真的在进行：在控制器上手动启动一次除霜（Dixell 按住 DEF 键 2 秒以上），确认除霜继电器、接触器吸合，用钳形表测各组加热管电流。
2. 除霜加热管：断电测电阻，与理论值比较（R = U²/P，例如 220 V、1000 W 的加热管约 48 Ω）；开路即已损坏；再测对地绝缘。检查接线盒是否进水、烧蚀。
3. 除霜参数：除霜间隔（Dixell IdF）、最长除霜时间（MdF）、除霜结束温度（dtE）。结束温度太低或最长时间太短会除不净，间隔太长会积霜过厚。除霜次数应按开门频率和货物湿度调整，不能一味延长间隔。
4. 除霜探头：位置不当（离加热管太近）或读数偏高，会使除霜过早结束；按说明书位置安装，必要时校验（见《冷库温度探头故障》）。
5. 排水：接水盘加热和排水管加热带是否工作（冷冻库内的排水管必须有加热）；排水管坡度是否足够，库外存水弯是否冻堵或脏堵。排水不畅时除霜水溢出后再冻结，会在接水盘和盘管底部结冰。
6. 风机：冷风机风扇不转或转速慢（电容、电机、热保护）会使盘管快速结霜；除霜后的滴水时间或风机延时太短，会把盘管上的水滴吹到翅片前面结冰。
7. 进入的湿气：门封漏气、开门时间长、未预冷的货物入库，都会加快结霜（见《冷库门封条、门框加热丝与漏冷》）。
8. 制冷侧：制冷剂不足或膨胀阀供液不足时，盘管只有进液的前段结霜甚至结厚冰，后段不结霜；热气除霜系统检查热气电磁阀和单向阀是否动作。

处理
- 盘管严重结冰：停止制冷，连续进行几次手动除霜；或在保护好电气部件的前提下用温水（不要用高压水枪）化冰。先确认排水畅通，再恢复制冷。期间提醒客户保护库内货物。
- 更换损坏的加热管、排水管加热带、除霜接触器，修复探头和参数。
- 恢复后至少观察一次完整的自动除霜：除霜结束时盘管应全部化净，接水盘和排水管无积水、无冰。
"""

_DEFROST_EN = """\
Applies to electrically defrosted unit coolers (evaporators) in cold rooms; the same reasoning applies to hot-gas defrost.

Safety
- Defrost heaters and drain line heaters run on mains voltage (230 V or 400 V): isolate, lock out, tag out and prove dead before checking them.
- The evaporator fans can be started by the controller at any moment: isolate before reaching in.
- Use ladders safely; clear fallen ice so nobody slips.
- Never chip ice off the coil with a screwdriver or ice pick: it is very easy to pierce a tube and cause a refrigerant leak.

Symptoms
- Room temperature rising or pulling down slowly; little air from the unit cooler; the coil a solid block of ice.
- Ice on the fan guards; fan blades striking ice.
- Ice in the drain pan; defrost water dripping onto the floor or the goods; ice on the floor.
- Ice left after every defrost, getting thicker each time.

Checks
1. Is defrost actually happening? Start a manual defrost on the controller (on a Dixell hold DEF for more than 2 seconds), check that the defrost relay and contactor pull in, and measure each heater circuit's current with a clamp meter.
2. Defrost heaters: isolate and measure the resistance, compare with the expected value (R = U²/P, e.g. a 230 V 1000 W heater is about 53 Ω); open circuit means a failed heater; then measure insulation to earth. Check the terminal box for water and burning.
3. Defrost settings: interval (Dixell IdF), maximum duration (MdF), end temperature (dtE). An end temperature too low or a maximum duration too short leaves ice; too long an interval lets the frost build up too thick. Set the number of defrosts for how often the door opens and how moist the product is - do not just stretch the interval.
4. Defrost probe: badly placed (too close to a heater) or reading high, it ends defrost too early; mount it where the manual says and check it (see the temperature probe article).
5. Drain: are the drain pan heater and the drain line heater working (inside a freezer room the drain line must be heated)? Is the drain line sloped enough, and is the trap outside the room frozen or blocked? If the water cannot drain it overflows and refreezes in the pan and on the bottom of the coil.
6. Fans: evaporator fans stopped or slow (capacitor, motor, thermal protector) make the coil frost fast; too short a drip time or fan delay after defrost blows water off the coil onto the fins, where it freezes.
7. Moisture entering: a leaking door seal, doors left open, warm product loaded without pre-cooling all speed up frosting (see the door seal and door heater article).
8. Refrigerant side: short of refrigerant or an underfeeding expansion valve frosts, even ices, only the first passes of the coil while the rest stays bare; on hot-gas defrost check the hot-gas solenoid and check valves.

Fixes
- Heavily iced coil: stop cooling and run several manual defrosts, or melt the ice with warm water (never a pressure washer) with the electrical parts protected. Make sure the drain runs before restarting cooling. Remind the customer to protect the goods meanwhile.
- Replace failed heaters, drain line heaters or defrost contactors; correct the probe and the settings.
- Afterwards watch at least one full automatic defrost: at the end the coil must be completely clear and the pan and drain free of water and ice.
"""

_COMPRESSOR_ZH_ARTICLE = ArticleCreate(
    language="zh-CN",
    title="冷库压缩机故障排查：不启动、频繁启停、排气温度高、过载跳闸",
    body=_COMPRESSOR_ZH,
    tags=[
        "冷库",
        "压缩机",
        "停机",
        "不启动",
        "短循环",
        "频繁启停",
        "排气温度",
        "过载",
        "热继电器",
        "高压",
        "低压",
        "制冷",
    ],
    asset_families=["compressor"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.COMPRESSOR_STOP, AlarmType.OVER_TEMPERATURE, AlarmType.POWER_LOSS],
    publish=True,
)

_COMPRESSOR_EN_ARTICLE = ArticleCreate(
    language="en",
    title="Cold-room compressor troubleshooting: won't start, short cycling, high discharge temperature, overload trip",
    body=_COMPRESSOR_EN,
    tags=[
        "cold room",
        "compressor",
        "compressor stop",
        "won't start",
        "short cycling",
        "discharge temperature",
        "overload",
        "high pressure",
        "low pressure",
        "refrigeration",
    ],
    asset_families=["compressor"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.COMPRESSOR_STOP, AlarmType.OVER_TEMPERATURE, AlarmType.POWER_LOSS],
    publish=True,
)

_CONDENSER_ZH_ARTICLE = ArticleCreate(
    language="zh-CN",
    title="冷凝风机故障与冷凝器脏堵：冷凝压力高、高压保护停机",
    body=_CONDENSER_ZH,
    tags=[
        "冷库",
        "冷凝风机",
        "冷凝器",
        "高压",
        "高压保护",
        "停机",
        "冷凝压力",
        "风机电容",
        "清洗",
        "杨絮",
    ],
    asset_families=["compressor"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.COMPRESSOR_STOP, AlarmType.OVER_TEMPERATURE],
    publish=True,
)

_CONDENSER_EN_ARTICLE = ArticleCreate(
    language="en",
    title="Condenser fan faults and dirty condenser coils: high head pressure, high-pressure trips",
    body=_CONDENSER_EN,
    tags=[
        "cold room",
        "condenser fan",
        "condenser",
        "high pressure",
        "head pressure",
        "HP switch",
        "fan capacitor",
        "coil cleaning",
    ],
    asset_families=["compressor"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.COMPRESSOR_STOP, AlarmType.OVER_TEMPERATURE],
    publish=True,
)

_DOOR_ZH_ARTICLE = ArticleCreate(
    language="zh-CN",
    title="冷库门封条、门框加热丝与漏冷：门框结霜结冰、门被冻住",
    body=_DOOR_ZH,
    tags=[
        "冷库门",
        "门封",
        "门封条",
        "门框加热",
        "加热丝",
        "结霜",
        "结冰",
        "漏冷",
        "平衡窗",
        "门开报警",
        "门帘",
    ],
    asset_families=["evaporator"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.DOOR_OPEN, AlarmType.OVER_TEMPERATURE],
    publish=True,
)

_DOOR_EN_ARTICLE = ArticleCreate(
    language="en",
    title="Cold-room door seals, door frame heaters and air leaks: frost and ice on the frame, door frozen shut",
    body=_DOOR_EN,
    tags=[
        "cold room door",
        "door seal",
        "gasket",
        "door heater",
        "frame heater",
        "frost",
        "ice",
        "pressure relief valve",
        "door alarm",
        "strip curtain",
    ],
    asset_families=["evaporator"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.DOOR_OPEN, AlarmType.OVER_TEMPERATURE],
    publish=True,
)

_PROBE_ZH_ARTICLE = ArticleCreate(
    language="zh-CN",
    title="冷库温度探头故障：开路/短路、读数漂移、安装位置不当（含常见控制器报警码）",
    body=_PROBE_ZH,
    tags=[
        "温度探头",
        "探头",
        "传感器",
        "NTC",
        "P1",
        "P2",
        "E0",
        "E1",
        "温控器",
        "校准",
        "冰水校验",
    ],
    asset_families=["compressor", "evaporator"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.SENSOR_FAULT, AlarmType.OVER_TEMPERATURE],
    publish=True,
)

_PROBE_EN_ARTICLE = ArticleCreate(
    language="en",
    title="Cold-room temperature probe faults: open/short circuit, drift, bad position (with common controller codes)",
    body=_PROBE_EN,
    tags=[
        "temperature probe",
        "probe",
        "sensor",
        "NTC",
        "P1",
        "P2",
        "E0",
        "E1",
        "controller",
        "calibration",
        "ice bath",
    ],
    asset_families=["compressor", "evaporator"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.SENSOR_FAULT, AlarmType.OVER_TEMPERATURE],
    publish=True,
)

_DEFROST_ZH_ARTICLE = ArticleCreate(
    language="zh-CN",
    title="蒸发器（冷风机）结冰与除霜故障：盘管结冰、除霜不净、排水管冻堵",
    body=_DEFROST_ZH,
    tags=["蒸发器", "冷风机", "结冰", "结霜", "除霜", "化霜", "除霜加热管", "排水管", "库温高"],
    asset_families=["evaporator"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.OVER_TEMPERATURE],
    publish=True,
)

_DEFROST_EN_ARTICLE = ArticleCreate(
    language="en",
    title="Evaporator icing and defrost failure: iced coil, incomplete defrost, frozen drain",
    body=_DEFROST_EN,
    tags=[
        "evaporator",
        "unit cooler",
        "icing",
        "frost",
        "defrost",
        "defrost heater",
        "drain line",
        "room too warm",
    ],
    asset_families=["evaporator"],
    device_code_prefixes=list(_COLD_ROOM_PREFIXES),
    alarm_types=[AlarmType.OVER_TEMPERATURE],
    publish=True,
)

# --- Reply templates ----------------------------------------------------------------------------

_ACK_ZH = """\
{customer}您好：
您的报修已受理，工单号 {work_order}（{site}，设备：{asset}）。
我们已安排工程师 {engineer} 负责处理，预计到场时间：{eta}。工程师出发前会电话与您确认，如需联系请拨打 {phone}。
在工程师到场前，建议您：
1. 尽量减少开关库门；如库温持续上升，请优先把贵重或易变质的货物转移到温度正常的库位。
2. 请不要反复断电、复位或自行修改温控器参数，以免掩盖故障原因。
3. 请安排人员在现场陪同，并确认工程师能进入机组、屋顶或控制柜所在区域（如需门禁、登高等手续，请提前告知）。
如情况有变化（例如温度继续升高或设备完全停机），请随时回复本消息或致电 {phone}，我们会相应调整处理优先级。
谢谢您的配合！"""

_ACK_EN = """\
Dear {customer},
We have received your repair request: work order {work_order} ({site}, equipment: {asset}).
Our engineer {engineer} will handle it and expects to arrive {eta}. The engineer will call you before setting off; you can reach us on {phone}.
Until the engineer arrives, please:
1. Keep the cold-room doors closed as much as possible; if the temperature keeps rising, move the most valuable or perishable goods to a room that is holding temperature.
2. Avoid switching the equipment off and on, resetting it or changing the controller settings, so the cause of the fault is not hidden.
3. Have someone on site to meet the engineer, and make sure the engineer can reach the condensing unit, roof or control panel (let us know in advance about any access permits or work-at-height rules).
If anything changes (the temperature keeps rising or the equipment stops completely), reply to this message or call {phone} and we will raise the priority.
Thank you."""

_PHOTO_ZH = """\
{customer}您好：
为了让工程师 {engineer} 提前判断故障、带齐配件（工单号 {work_order}），麻烦您方便时拍几张照片或一段短视频发给我们：
1. 温控器或控制面板显示屏的特写，能看清显示的温度、报警代码和指示灯；
2. 设备铭牌（型号、序列号），一般在机组侧面或电控箱门内侧；
3. 故障部位，例如冷风机（蒸发器）盘管结冰情况、门框结霜处、漏水或异响的位置；
4. 如有异响或压缩机频繁启停，请录一段 20～30 秒、带声音的视频。
拍摄时请注意安全：不要打开电控箱或触碰带电部件，不要攀爬没有防护的高处；在冷冻库内停留时间不要太长，并确认库门能从里面打开。
收到后我们会尽快回复初步判断。谢谢！"""

_PHOTO_EN = """\
Dear {customer},
To help our engineer {engineer} diagnose the fault in advance and bring the right parts (work order {work_order}), could you send us a few photos or a short video when convenient:
1. A close-up of the controller or control panel display, showing the temperature, any alarm code and the indicator lights;
2. The equipment's rating plate (model and serial number), usually on the side of the unit or inside the control box door;
3. The problem area, e.g. ice on the evaporator coil, frost on the door frame, where water is leaking or where a noise comes from;
4. For unusual noises or a compressor starting and stopping often, a 20-30 second video with sound.
Please stay safe while doing this: do not open control boxes or touch live parts, do not climb to unguarded heights, do not stay long inside a freezer room, and make sure the door can be opened from inside.
We will reply with a first assessment as soon as we have them. Thank you."""

_PARTS_ZH = """\
{customer}您好：
关于工单 {work_order}（{asset}），工程师 {engineer} 已完成检查，故障原因是：{fault}。
需要更换的配件：{part}。配件已下单，预计到货时间 {parts_eta}，到货后我们会第一时间与您预约上门更换，并告知工程师的到场时间。
目前设备的临时处理情况：{work_done}
等待配件期间请您：
1. 留意库温，如温度超出货物要求，请及时转移货物并通知我们；
2. 不要自行拆装设备或修改设置；
3. 如设备出现新的报警或完全停机，请立即联系 {phone}。
如到货时间有变化，我们会主动通知您。给您带来不便，敬请谅解。"""

_PARTS_EN = """\
Dear {customer},
About work order {work_order} ({asset}): our engineer {engineer} has finished the inspection and found the cause: {fault}.
The repair needs: {part}. The part is on order and expected {parts_eta}; as soon as it arrives we will contact you to book the visit and confirm the engineer's arrival time.
Meanwhile the equipment is running as follows: {work_done}
While we wait for the part, please:
1. Keep an eye on the room temperature; if it goes beyond what your goods allow, move them and let us know;
2. Do not dismantle the equipment or change its settings;
3. If a new alarm appears or the equipment stops completely, call {phone} straight away.
If the delivery date changes we will tell you. We apologise for the inconvenience."""

_DONE_ZH = """\
{customer}您好：
工单 {work_order}（{site}，{asset}）已维修完成。
故障原因：{fault}
处理内容：{work_done}
工程师 {engineer} 已在现场试运行，确认设备工作正常。
使用建议：{advice}
另外提醒：
1. 维修后 24 小时内请留意库温记录，如有异常及时联系我们；
2. 日常尽量缩短开门时间，保持门封条清洁完好，货物不要堵住冷风机的进风口和出风口；
3. 冷凝机组（室外机）周围保持通风，不要堆放杂物，冷凝器需要定期清洗。
如有任何问题，请拨打 {phone}。感谢您的信任！"""

_DONE_EN = """\
Dear {customer},
Work order {work_order} ({site}, {asset}) has been repaired.
Cause: {fault}
Work done: {work_done}
Our engineer {engineer} test-ran the equipment on site and confirmed it is working normally.
Advice: {advice}
Please also:
1. Watch the room temperature record for the next 24 hours and contact us if anything looks wrong;
2. Keep door openings short, keep the door seals clean and intact, and keep goods clear of the evaporator's air inlet and outlet;
3. Keep the area round the condensing unit (outdoor unit) clear so air can flow; the condenser needs regular cleaning.
For any question call {phone}. Thank you for your trust."""

_FOLLOW_UP_ZH = """\
{customer}您好：
我们对工单 {work_order}（{asset}，工程师 {engineer}）的维修做一次回访，想了解：
1. 维修后设备运行是否正常？库温是否稳定在设定范围内？
2. 是否再次出现报警、压缩机频繁启停、结霜结冰或异响？
3. 您对本次服务（响应速度、工程师的沟通和现场作业）是否满意？有什么建议？
直接回复本消息即可。如设备再次出现问题，请说明现象，我们会优先安排处理；也可拨打 {phone}。
感谢您的支持！"""

_FOLLOW_UP_EN = """\
Dear {customer},
We are following up on the repair under work order {work_order} ({asset}, engineer {engineer}):
1. Has the equipment been running normally since, with the room holding its set temperature?
2. Have there been any new alarms, frequent compressor starts, frost or ice, or unusual noises?
3. Were you satisfied with the service (response time, the engineer's communication and work on site)? Anything we could do better?
Just reply to this message. If the problem has come back, describe what you see and we will give it priority; you can also call {phone}.
Thank you for your support."""


def _template(language: ArticleLanguage, title: str, body: str, tags: list[str]) -> ArticleCreate:
    return ArticleCreate(
        kind="reply_template",
        language=language,
        title=title,
        body=body,
        tags=tags,
        publish=True,
    )


TOPICS: Final[dict[str, tuple[ArticleCreate, ...]]] = {
    "plc_fx3u_error_codes": (_FX3U_ZH, _FX3U_EN),
    "dixell_xr_alarm_codes": (_DIXELL_ZH, _DIXELL_EN),
    "compressor": (_COMPRESSOR_ZH_ARTICLE, _COMPRESSOR_EN_ARTICLE),
    "condenser_fan": (_CONDENSER_ZH_ARTICLE, _CONDENSER_EN_ARTICLE),
    "door_seal_heater": (_DOOR_ZH_ARTICLE, _DOOR_EN_ARTICLE),
    "temperature_probe": (_PROBE_ZH_ARTICLE, _PROBE_EN_ARTICLE),
    "evaporator_defrost": (_DEFROST_ZH_ARTICLE, _DEFROST_EN_ARTICLE),
    "reply_acknowledge": (
        _template(
            "zh-CN",
            "回复模板：受理报修并告知工程师到场时间",
            _ACK_ZH,
            ["回复模板", "报修受理", "到场时间"],
        ),
        _template(
            "en",
            "Reply template: repair request received, engineer's arrival time",
            _ACK_EN,
            ["reply template", "acknowledgement", "arrival time"],
        ),
    ),
    "reply_request_photos": (
        _template(
            "zh-CN",
            "回复模板：请客户提供故障照片或视频",
            _PHOTO_ZH,
            ["回复模板", "照片", "视频", "远程诊断"],
        ),
        _template(
            "en",
            "Reply template: asking the customer for photos or a video of the fault",
            _PHOTO_EN,
            ["reply template", "photo", "video", "remote diagnosis"],
        ),
    ),
    "reply_waiting_for_parts": (
        _template(
            "zh-CN",
            "回复模板：配件已订购，等待到货",
            _PARTS_ZH,
            ["回复模板", "配件", "等待配件", "到货"],
        ),
        _template(
            "en",
            "Reply template: parts on order, waiting for delivery",
            _PARTS_EN,
            ["reply template", "parts", "waiting for parts", "delivery"],
        ),
    ),
    "reply_repair_completed": (
        _template(
            "zh-CN", "回复模板：维修完成及使用建议", _DONE_ZH, ["回复模板", "维修完成", "使用建议"]
        ),
        _template(
            "en",
            "Reply template: repair completed, with advice",
            _DONE_EN,
            ["reply template", "repair completed", "advice"],
        ),
    ),
    "reply_follow_up": (
        _template("zh-CN", "回复模板：维修后回访", _FOLLOW_UP_ZH, ["回复模板", "回访", "满意度"]),
        _template(
            "en",
            "Reply template: follow-up after the repair",
            _FOLLOW_UP_EN,
            ["reply template", "follow-up", "satisfaction"],
        ),
    ),
}

#: Every article of the demo knowledge base, Chinese and English, each created published.
ARTICLES: Final[tuple[ArticleCreate, ...]] = tuple(
    article for articles in TOPICS.values() for article in articles
)
